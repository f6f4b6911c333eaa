//! Regression tests: one per bug, named after what broke, with the input that showed it
//! (inline when it is short, otherwise a fixture in `fixtures/regression/`). Most of these
//! bugs were found by the fuzz targets in `fuzz/`.

use logsift::app::parse_duration;
use logsift::server::ServerConfig;
use logsift::server::slack::{Parsed, parse_text};

/// A bare number of seconds skipped the check that a duration is longer than zero, so `0`
/// (the fuzzer's line was `00`) was read as 0 ms where `0s` is refused: `--last 0`, a
/// schedule's `window = "0"`, `request_timeout = "0"`, `/logsift checkout 0`.
#[test]
fn a_bare_zero_is_not_a_duration() {
    for t in ["00", "0", " 0 "] {
        let err = parse_duration(t).expect_err(t);
        assert!(err.contains("longer than zero"), "{t:?}: {err}");
    }
    assert_eq!(parse_duration("90"), Ok(90_000));

    assert!(matches!(
        parse_text("checkout 0", &["checkout"]),
        Parsed::Help(Some(_))
    ));

    let config = |window: &str| {
        format!(
            "[llm]\nmode = \"off\"\n[[source]]\nname = \"api\"\nfiles = [\"api.log\"]\n\
             [[schedule]]\ncron = \"0 9 * * *\"\nsource = \"api\"\nwindow = \"{window}\"\n\
             post = \"http://127.0.0.1:9099/review\"\n"
        )
    };
    assert!(ServerConfig::from_toml(&config("30m"), &|_| None).is_ok());
    let err = ServerConfig::from_toml(&config("0"), &|_| None)
        .expect_err("a zero window")
        .to_string();
    assert!(err.contains("window"), "{err}");
}
