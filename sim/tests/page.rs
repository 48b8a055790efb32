//! `replay --html`: the page of a failing seed shows every fault as a band, names the violated
//! property and highlights the orders it names, with each order's steps.

use saga_core::mutant::Mutant;
use sim::RunOptions;

#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn a_failing_seed_page_shows_faults_violations_and_the_stuck_orders() {
    // The first seed mark-before-publish fails (which one follows the fault generator).
    let hunt = sim::mutants::hunt(Mutant::MarkBeforePublish, 40, 1, 100);
    let seed = hunt.caught.expect("mark-before-publish is caught").seed;
    let report = sim::sweep::run_one(RunOptions {
        mutant: Some(Mutant::MarkBeforePublish),
        keep_trace: true,
        ..RunOptions::new(seed)
    });
    assert!(!report.passed(), "mark-before-publish fails seed {seed}");
    let page = sim::page::render(&report);

    let bands = page.matches("<rect class=\"band\"").count();
    assert!(
        bands >= report.schedule.faults.len(),
        "a band per fault and lane: {bands}"
    );
    for fault in &report.schedule.faults {
        let hover = maud::html! { "#" (fault.id) " " (fault.fault) }.into_string();
        assert!(page.contains(&hover), "fault #{} on hover", fault.id);
    }
    let stuck: Vec<_> = report
        .violations
        .iter()
        .filter_map(|v| v.order_id)
        .collect();
    assert!(!stuck.is_empty());
    for violation in &report.violations {
        let name = violation.property.name();
        assert!(page.contains(name), "the violated property {name} is named");
    }
    for order in &stuck {
        assert!(
            page.contains(&format!("<details id=\"order-{order}\"")),
            "order {order} has its steps"
        );
    }
    assert!(
        page.contains("class=\"step done hl\""),
        "the stuck orders' steps are highlighted"
    );
    assert!(page.contains("named by a violated property"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "self-contained"
    );
}
