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
