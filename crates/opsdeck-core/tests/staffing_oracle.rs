//! Erlang C staffing against the pyworkforce oracle (shared/peers/oracles/erlang_1000*.csv):
//! agent counts equal on every row, SL / occupancy / P(wait) within 1e-9 relative (1e-12 abs).

use opsdeck_core::staffing::{required_agents, Model, StaffingInput};
use std::collections::HashMap;
use std::path::PathBuf;

fn oracles() -> Option<PathBuf> {
    opsdeck_testdata::shared_file(
        "the pyworkforce oracle test",
        "peers/oracles/erlang_1000.csv",
    )
    .map(|f| f.with_file_name(""))
}

fn read(path: &PathBuf) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, field: &str) -> f64 {
    row[field].parse().unwrap()
}

fn close(got: Option<f64>, want: &str, what: &str, id: &str) {
    if want.is_empty() {
        assert_eq!(got, None, "row {id} {what}");
        return;
    }
    let want: f64 = want.parse().unwrap();
    let got = got.unwrap_or_else(|| panic!("row {id} {what}: none, want {want}"));
    assert!(
        (got - want).abs() <= 1e-12 + 1e-9 * want.abs(),
        "row {id} {what}: got {got:?}, want {want:?}"
    );
}

#[test]
fn erlang_c_matches_pyworkforce_on_all_1000_rows() {
    let Some(dir) = oracles() else { return };
    let input = read(&dir.join("erlang_1000_input.csv"));
    let oracle = read(&dir.join("erlang_1000.csv"));
    assert_eq!(input.len(), 1000);
    assert_eq!(oracle.len(), 1000);
    let mut cap_bound = 0;
    for (i, o) in input.iter().zip(&oracle) {
        let id = &i["interval_id"];
        assert_eq!(id, &o["interval_id"]);
        let s = required_agents(
            &StaffingInput {
                calls: num(i, "calls"),
                aht_s: num(i, "aht_seconds"),
                interval_s: num(i, "interval_seconds"),
                target_sl: num(i, "target_sl"),
                answer_s: num(i, "target_answer_seconds"),
                max_occupancy: num(i, "max_occupancy"),
                shrinkage: num(i, "shrinkage"),
            },
            Model::ErlangC,
        )
        .unwrap();
        assert_eq!(
            (s.raw_agents.to_string(), s.agents.to_string()),
            (o["raw_positions"].clone(), o["positions"].clone()),
            "row {id}: raw_agents, agents"
        );
        close(s.service_level, &o["service_level"], "service_level", id);
        close(s.occupancy, &o["occupancy"], "occupancy", id);
        close(s.wait_probability, &o["waiting_probability"], "P(wait)", id);
        cap_bound += usize::from(o["binding"] == "max_occupancy");
    }
    // the oracle exercises both constraints
    assert!(cap_bound > 300, "{cap_bound} cap-bound rows");
}
