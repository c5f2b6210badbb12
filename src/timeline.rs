//! Timelines: a program's trace drawn as lanes, one per generator or task, with an
//! arrow at every switch. The book's diagrams are made here, from the traces the
//! programs really print (on the virtual clock), never by hand.
//!
//! `cargo run -- timelines` writes them all to `book/src/generated/timelines/ID.svg`;
//! `tests/timelines.rs` fails when one is out of date.
//!
//! Which lane a line belongs to is the one thing a trace does not say, so each
//! program with turns has a small classifier below: it reads a line (and its
//! position) and names the generator or task that printed it.

use std::fmt::Write as _;

use crate::clock::Clock;
use crate::programs::cpython::{mask_unstable, run_rust};
use crate::programs::find;
use crate::trace::{Stamp, strip_ansi};

/// A program drawn as a timeline: its lanes, and which lane printed each line.
pub struct Timeline {
    /// The program's ID.
    pub id: &'static str,
    /// The lanes, left to right: generators, tasks, threads, or the main program.
    pub lanes: &'static [&'static str],
    /// The lane (an index into `lanes`) of the line at `index` of the trace.
    pub lane_of: fn(index: usize, line: &str) -> usize,
    /// Whether the lanes are generators that one task drives (async generators pulling
    /// from each other), not tasks: control then passes from lane to lane directly, and
    /// through the loop only where the task waited, between two of the loop's passes.
    pub one_task: bool,
}

/// Document 003's programs: lines from `b` on the second lane, from `a` on the first.
fn a_or_b(_: usize, line: &str) -> usize {
    usize::from(line.starts_with('b'))
}

fn first_matching(line: &str, markers: &[&[&str]]) -> usize {
    markers
        .iter()
        .position(|lane| lane.iter().any(|m| line.contains(m)))
        .unwrap_or(0)
}

/// Every program where two or more generators or tasks take turns.
pub static TIMELINES: &[Timeline] = &[
    Timeline {
        id: "s000-01-interleave",
        lanes: &["A", "B"],
        lane_of: |_, line| usize::from(["x", "y", "z"].contains(&line)),
        one_task: false,
    },
    Timeline {
        id: "s000-02-producer-consumer",
        lanes: &["produce (caller)", "consumer (generator)"],
        lane_of: |_, line| first_matching(line, &[&["[PRODUCER]"], &["[CONSUMER]"]]),
        one_task: false,
    },
    Timeline {
        id: "s000-03-producer-consumer-init",
        lanes: &["produce (caller)", "consumer (generator)"],
        lane_of: |_, line| first_matching(line, &[&["[Producer]"], &["[Consumer]", "return has"]]),
        one_task: false,
    },
    Timeline {
        id: "s001-02-consumer-status",
        // The producer generator prints nothing: it only passes the status on.
        lanes: &["main (for loop)", "consumer (generator)"],
        lane_of: |_, line| first_matching(line, &[&["只要", "结束"], &["我拿到了"]]),
        one_task: false,
    },
    Timeline {
        id: "s002-01-bones",
        lanes: &["producer", "consumer A", "consumer B"],
        lane_of: |index, line| {
            if line.contains("producer") {
                0
            } else if line.contains("消费者A") {
                1
            } else if line.contains("消费者B") {
                2
            } else {
                // "要开始啃骨头了..." is printed by each consumer as it is primed: A, then B.
                1 + index / 2 % 2
            }
        },
        one_task: false,
    },
    Timeline {
        id: "s003-01-tasks-concurrent",
        lanes: &["task a", "task b"],
        lane_of: a_or_b,
        one_task: false,
    },
    Timeline {
        id: "s003-02-serial",
        lanes: &["a (delegated to)", "b (delegated to)"],
        lane_of: a_or_b,
        one_task: false,
    },
    Timeline {
        id: "s003-03-run-in-executor",
        lanes: &["a (executor thread)", "b (executor thread)"],
        lane_of: a_or_b,
        one_task: false,
    },
    Timeline {
        id: "s003-04-yield-from-done-task",
        lanes: &["main", "task a", "task b", "ticker"],
        lane_of: |_, line| {
            first_matching(
                line,
                &[
                    &["task1 done", "main resumed", "after one"],
                    &["a "],
                    &["b "],
                    &["ticker"],
                ],
            )
        },
        one_task: false,
    },
    Timeline {
        id: "s002-05b-hello-wait-tasks",
        lanes: &["task 1", "task 2", "task 3", "task 4"],
        // Each task prints its two lines without suspending in between.
        lane_of: |index, _| index / 2 % 4,
        one_task: false,
    },
    Timeline {
        id: "s002-06-nested-wait",
        lanes: WORK_1_2_4,
        lane_of: waiting_by_seconds,
        one_task: false,
    },
    Timeline {
        id: "s002-07-gather-return",
        lanes: WORK_1_2_4,
        lane_of: waiting_by_seconds,
        one_task: false,
    },
    Timeline {
        id: "s002-08-wait-return",
        lanes: WORK_1_2_4,
        lane_of: waiting_by_seconds,
        one_task: false,
    },
    Timeline {
        id: "s002-09-as-completed",
        lanes: WORK_1_2_4,
        lane_of: waiting_by_seconds,
        one_task: false,
    },
    Timeline {
        id: "s002-10-cancel-ctrl-c",
        lanes: &["main", "do_some_work(1)", "do_some_work(2), twice"],
        lane_of: |_, line| first_matching(line, &[&[], &["Waiting: 1"], &["Waiting: 2"]]),
        one_task: false,
    },
    Timeline {
        id: "s002-11-thread-loop",
        lanes: &[
            "main thread",
            "more_work(6) (loop thread)",
            "more_work(3) (loop thread)",
        ],
        lane_of: |_, line| first_matching(line, &[&["TIME"], &["work 6"], &["work 3"]]),
        one_task: false,
    },
    Timeline {
        id: "s002-12-thread-coroutines",
        lanes: &["main thread", "do_some_work(6)", "do_some_work(4)"],
        lane_of: |_, line| {
            first_matching(
                line,
                &[
                    &["TIME"],
                    &["Waiting 6", "after 6s"],
                    &["Waiting 4", "after 4s"],
                ],
            )
        },
        one_task: false,
    },
    Timeline {
        id: "s004-04-gather",
        lanes: &["main", "say Bob", "say Alice"],
        lane_of: |_, line| first_matching(line, &[&["['"], &["Bob"], &["Alice"]]),
        one_task: false,
    },
    Timeline {
        id: "s004-05-wget",
        lanes: &["wget sina", "wget sohu", "wget 163"],
        lane_of: |_, line| first_matching(line, &[&["sina"], &["sohu"], &["163"]]),
        one_task: false,
    },
    Timeline {
        id: "x01-queue-pipeline",
        // main awaits the producer itself: the producer is not a task of its own.
        lanes: &["main (producer)", "worker 1", "worker 2", "worker 3"],
        lane_of: |_, line| {
            first_matching(line, &[&[], &["worker 1"], &["worker 2"], &["worker 3"]])
        },
        one_task: false,
    },
    Timeline {
        id: "x02-semaphore-rate-limit",
        lanes: &[
            "main",
            "request 1",
            "request 2",
            "request 3",
            "request 4",
            "request 5",
            "request 6",
            "request 7",
            "request 8",
        ],
        // "0.0s request 4 waits for its turn": the number after "request"; main's line
        // ("every request is done") has none.
        lane_of: |_, line| {
            line.split("request ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next()?.parse().ok())
                .unwrap_or(0)
        },
        one_task: false,
    },
    Timeline {
        id: "x03-taskgroup-failing-child",
        lanes: &[
            "main",
            "fetch('small', 0.1)",
            "fetch('big', 1.0)",
            "fetch('flaky', 0.3, True)",
        ],
        lane_of: |_, line| {
            first_matching(line, &[&["[main]"], &["[small]"], &["[big]"], &["[flaky]"]])
        },
        one_task: false,
    },
    Timeline {
        id: "x04-timeout-slow-work",
        // A timeout's work is awaited in main's task, and cancelled with it: its lines are
        // main's. Only wait_for gives the work a task, and a lane, of its own.
        lanes: &["main (and the work it awaits)", "upload (wait_for's task)"],
        lane_of: |_, line| usize::from(line.starts_with("[upload]")),
        one_task: false,
    },
    Timeline {
        id: "x05-async-generator-pipeline",
        lanes: &[
            "main",
            "squares_of_evens",
            "ticker(5, 0.5)",
            "ticker(4, 0.1)",
        ],
        // The comprehension's ticker prints the last four ticker lines, before main's last.
        lane_of: |index, line| match first_matching(line, &[&["[main]"], &["[squares]"]]) {
            0 if line.starts_with("[ticker]") => 2 + usize::from(index >= 11),
            lane => lane,
        },
        one_task: true,
    },
    Timeline {
        id: "x06-aclose-finally",
        lanes: &["main", "rows('a')", "rows('b')"],
        lane_of: |_, line| first_matching(line, &[&["[main]", "[after"], &["[a]"], &["[b]"]]),
        one_task: true,
    },
    Timeline {
        id: "x07-contextmanager-timer",
        lanes: &["main", "timer('load')", "timer('parse')", "timer('lookup')"],
        lane_of: |_, line| {
            first_matching(
                line,
                &[&["[main]"], &["[load]"], &["[parse]"], &["[lookup]"]],
            )
        },
        one_task: false,
    },
    Timeline {
        id: "x08-asynccontextmanager-connection",
        // Each task's lane holds its connection too: the generator runs inside the task.
        lanes: &["main", "query('a', 0.4, False)", "query('b', 0.2, True)"],
        lane_of: |_, line| first_matching(line, &[&["[main]"], &["[a]"], &["[b]"]]),
        one_task: false,
    },
];

/// The lanes of document 002's programs that run `do_some_work` for 1, 2 and 4 seconds.
const WORK_1_2_4: &[&str] = &[
    "main",
    "do_some_work(1)",
    "do_some_work(2)",
    "do_some_work(4)",
];

fn waiting_by_seconds(_: usize, line: &str) -> usize {
    first_matching(
        line,
        &[
            &["Task ret", "Time"],
            &["waiting: 1"],
            &["waiting: 2"],
            &["waiting: 4"],
        ],
    )
}

/// The program's trace as the timeline draws it: run on the virtual clock, with
/// addresses masked and colours removed.
pub fn trace_lines(id: &str) -> Option<Vec<String>> {
    Some(
        stamped_lines(id)?
            .into_iter()
            .map(|(line, _)| line)
            .collect(),
    )
}

/// The trace's lines, each with when it was printed (the loop's pass and time), if a loop
/// was running on the thread that printed it.
fn stamped_lines(id: &str) -> Option<Vec<(String, Option<Stamp>)>> {
    let program = find(id)?;
    let run = run_rust(program, &Clock::new_virtual());
    let text = mask_unstable(&run.transcript());
    Some(
        text.lines()
            .enumerate()
            .map(|(index, line)| {
                let stamp = run.stamps.get(index).copied().flatten();
                (strip_ansi(line).trim_end().to_string(), stamp)
            })
            .collect(),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Shortens `text` to `max` characters, with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).collect::<String>() + "…"
    }
}

/// `1`, `0.5`, `1.25`: a time as the timeline labels it.
fn seconds(time: f64) -> String {
    let text = format!("{time:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The SVG of `timeline`: one column per lane, one row per line of the trace, time
/// flowing down, and an arrow wherever control passes from one lane to another.
///
/// A program that runs on an event loop gets a lane for the loop, on the left: control
/// goes from a task to the loop and from the loop to the next task, never from task to
/// task, and a rule across the lanes marks each pass of the loop (`_run_once`) with the
/// loop's time, so the axis on the left is the loop's clock.
///
/// ```
/// let timeline = &pycoro::timeline::TIMELINES[0]; // s000-01-interleave
/// let svg = pycoro::timeline::svg(timeline).unwrap();
/// assert!(svg.starts_with("<svg") && svg.contains(">x</text>"));
/// ```
pub fn svg(timeline: &Timeline) -> Option<String> {
    let lines = stamped_lines(timeline.id)?;
    let on_loop = lines.iter().any(|(_, stamp)| stamp.is_some());
    let (column, row, marker, top, left) = (210.0, 24.0, 22.0, 64.0, 16.0);
    // The loop's lane, when there is one, is lane 0; the program's lanes follow.
    let loop_column = if on_loop { 120.0 } else { 0.0 };
    let first = usize::from(on_loop);
    let lanes = timeline.lanes.len() + first;
    let title = match (on_loop, timeline.one_task) {
        (true, false) => {
            "one lane per task, and the loop's; arrows are switches, rules are the loop's passes"
        }
        (true, true) => {
            "one lane per generator of one task, and the loop's; arrows are switches, rules are the loop's passes"
        }
        (false, _) => "one lane per generator or task; arrows are switches",
    };
    let title = format!("{} — {title}", timeline.id);
    // SVG text does not wrap: a diagram is made as wide as its title (bold, about seven
    // pixels a character), and its lanes are centred in it.
    let lanes_width = loop_column + column * timeline.lanes.len() as f64;
    let width = (left * 2.0 + lanes_width).max(left * 2.0 + 7.0 * title.chars().count() as f64);
    let inset = (width - lanes_width) / 2.0;
    let center = |lane: usize| {
        if on_loop && lane == 0 {
            inset + loop_column / 2.0
        } else {
            inset + loop_column + column * ((lane - first) as f64 + 0.5)
        }
    };
    // Where each line's row starts, and where a pass of the loop begins.
    let mut rows = Vec::with_capacity(lines.len());
    let mut passes = Vec::new();
    let mut y = top;
    let mut last_pass = None;
    for (_, stamp) in &lines {
        if let Some(stamp) = stamp
            && last_pass != Some(stamp.pass)
        {
            passes.push((y, *stamp));
            last_pass = Some(stamp.pass);
            y += marker;
        }
        rows.push(y);
        y += row;
    }
    let height = y + 16.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker></defs>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{left}" y="18" font-weight="bold">{}</text>"#,
        escape(&title)
    );
    for lane in 0..lanes {
        let name = if on_loop && lane == 0 {
            "event loop"
        } else {
            timeline.lanes[lane - first]
        };
        let x = center(lane);
        let _ = writeln!(
            svg,
            r##"<text x="{x}" y="46" text-anchor="middle" font-weight="bold">{}</text><line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#bbb" stroke-dasharray="4 3"/>"##,
            escape(name),
            top - 10.0,
            height - 8.0
        );
    }
    // The passes' rules go under everything, their labels over it (with a halo, so that
    // the arrows through the loop's lane do not cross out the time).
    let mut labels = String::new();
    for (y, stamp) in &passes {
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#9b9b9b" stroke-dasharray="2 2"/>"##,
            y + 4.0,
            width - left,
            y + 4.0,
        );
        let _ = writeln!(
            labels,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#555" stroke="white" stroke-width="4" paint-order="stroke">pass {} · t={}s</text>"##,
            center(0),
            y + 16.0,
            stamp.pass,
            seconds(stamp.time)
        );
    }
    let box_width = |lane: usize| {
        if on_loop && lane == 0 {
            loop_column - 14.0
        } else {
            column - 14.0
        }
    };
    let arrow = |svg: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64)| {
        let _ = writeln!(
            svg,
            r##"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#c0392b" stroke-width="1.5" marker-end="url(#arrow)"/>"##
        );
    };
    let mut previous: Option<(usize, f64, Option<Stamp>)> = None;
    for (index, (line, stamp)) in lines.iter().enumerate() {
        let lane = first + (timeline.lane_of)(index, line).min(timeline.lanes.len() - 1);
        let y = rows[index];
        let middle = |y: f64| y + (row - 6.0) / 2.0;
        if let Some((from, from_y, from_stamp)) = previous
            && from != lane
        {
            let side = |lane: usize, toward: f64| center(lane) + toward * box_width(lane) / 2.0;
            let through_loop = match (from_stamp, stamp) {
                (Some(from), Some(to)) => !timeline.one_task || from.pass != to.pass,
                _ => false,
            };
            if through_loop {
                // Through the loop: the task gives control back, the loop steps the next.
                let via = (center(0), (middle(from_y) + middle(y)) / 2.0);
                arrow(&mut svg, (side(from, -1.0), middle(from_y)), via);
                arrow(&mut svg, via, (side(lane, -1.0), middle(y)));
            } else {
                let toward = if lane > from { 1.0 } else { -1.0 };
                arrow(
                    &mut svg,
                    (side(from, toward), middle(from_y)),
                    (side(lane, -toward), middle(y)),
                );
            }
        }
        let _ = writeln!(
            svg,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="#eef3fb" stroke="#6c8ebf"/><text x="{}" y="{}" text-anchor="middle">{}</text>"##,
            center(lane) - box_width(lane) / 2.0,
            y,
            box_width(lane),
            row - 6.0,
            center(lane),
            y + 13.0,
            escape(&clip(line, 30))
        );
        previous = Some((lane, y, *stamp));
    }
    svg.push_str(&labels);
    svg.push_str("</svg>\n");
    Some(svg)
}

/// Where the book keeps the timelines, relative to the repository.
pub const DIRECTORY: &str = "book/src/generated/timelines";

/// Writes every timeline to `root/book/src/generated/timelines/ID.svg`; returns the paths.
pub fn write_all(root: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let directory = root.join(DIRECTORY);
    std::fs::create_dir_all(&directory)?;
    let mut written = Vec::new();
    for timeline in TIMELINES {
        let svg = svg(timeline).ok_or_else(|| {
            std::io::Error::other(format!("{} is not a program of the documents", timeline.id))
        })?;
        let path = directory.join(format!("{}.svg", timeline.id));
        std::fs::write(&path, svg)?;
        written.push(path);
    }
    Ok(written)
}
