//! The book's timeline diagrams are drawn from the programs' real traces: each checked-in
//! SVG must be what `cargo run -- timelines` draws now.

use pycoro::timeline::{DIRECTORY, TIMELINES, svg};

#[test]
fn every_timeline_in_the_book_is_drawn_from_the_programs_current_trace() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for timeline in TIMELINES {
        let drawn = svg(timeline).unwrap_or_else(|| panic!("{} is not a program", timeline.id));
        let path = root.join(DIRECTORY).join(format!("{}.svg", timeline.id));
        let checked_in = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run `cargo run -- timelines`", path.display()));
        assert!(
            drawn == checked_in,
            "{} is out of date: run `cargo run -- timelines`",
            path.display()
        );
    }
}

#[test]
fn every_line_of_a_timeline_falls_in_a_lane_and_every_lane_is_used() {
    for timeline in TIMELINES {
        let lines = pycoro::timeline::trace_lines(timeline.id).unwrap();
        let mut used = vec![false; timeline.lanes.len()];
        for (index, line) in lines.iter().enumerate() {
            let lane = (timeline.lane_of)(index, line);
            assert!(lane < timeline.lanes.len(), "{}: {line}", timeline.id);
            used[lane] = true;
        }
        assert!(
            used.iter().all(|&u| u),
            "{}: a lane is empty: {used:?}",
            timeline.id
        );
    }
}

#[test]
fn a_program_on_the_loop_is_drawn_with_the_loops_lane_and_its_passes() {
    let drawn = |id: &str| {
        let timeline = TIMELINES.iter().find(|t| t.id == id).unwrap();
        svg(timeline).unwrap()
    };
    // asyncio.gather of two tasks: control goes task -> loop -> task, pass by pass.
    let gather = drawn("s004-04-gather");
    assert!(gather.contains(">event loop</text>"));
    assert!(gather.contains(">pass 2 · t=0s</text>"));
    assert!(
        gather.contains(">pass 3 · t=1s</text>"),
        "both wake a second later"
    );
    // Generators switch by themselves: no loop, no passes.
    let generators = drawn("s000-02-producer-consumer");
    assert!(!generators.contains("event loop") && !generators.contains(">pass "));
}

#[test]
fn generators_of_one_task_switch_directly_and_through_the_loop_only_between_passes() {
    let timeline = TIMELINES
        .iter()
        .find(|t| t.id == "x05-async-generator-pipeline")
        .unwrap();
    let drawn = svg(timeline).unwrap();
    assert!(drawn.contains("one lane per generator of one task"));
    // The loop's lane is centred at x=76: an arrow into it ends there.
    let into_the_loop = drawn
        .lines()
        .filter(|l| l.contains("marker-end") && l.contains(r#"x2="76""#))
        .count();
    // main's task waits three times with another lane next (ticker's sleeps); a value
    // going from ticker to squares to main, within a pass, never goes through the loop.
    assert_eq!(into_the_loop, 3, "{drawn}");
}
