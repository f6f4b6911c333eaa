//! The Spark path end to end: `scripts/e2e-spark.sh` runs the PySpark job with 1, 4 and 16
//! partitions and compares each report with the single-process one. Needs Java, PyPI access
//! (for PySpark) and minutes, so it runs only with `LOGSIFT_E2E_SPARK=1`.

use std::process::Command;

#[test]
fn spark_reports_equal_the_single_process_report() {
    if std::env::var_os("LOGSIFT_E2E_SPARK").is_none_or(|v| v != "1") {
        eprintln!("skipped: set LOGSIFT_E2E_SPARK=1 to run scripts/e2e-spark.sh");
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/e2e-spark.sh");
    let out = Command::new("bash")
        .arg(script)
        .output()
        .expect("bash runs the e2e script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the e2e script failed");
    assert!(
        !stdout.contains("DIFFERENT"),
        "a Spark report differs from the single-process one"
    );
    assert!(stdout.contains("EQUAL to single process"));
}
