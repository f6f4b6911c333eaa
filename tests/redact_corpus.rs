//! Corpus tests: the secrets, clean and injection fixtures, and the loghub-2k logs.

use std::path::Path;

use logsift::redact::{Kind, Redactor};

fn read(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Every secret in `secrets.log` is gone after redaction, and each is reported under the kind
/// listed in `secrets.tsv`.
#[test]
fn secrets_corpus_every_secret_is_removed_and_its_kind_reported() {
    let log = read("fixtures/secrets/secrets.log");
    let lines: Vec<&str> = log.lines().collect();
    let tsv = read("fixtures/secrets/secrets.tsv");
    let mut rows: Vec<(usize, Kind, String)> = Vec::new();
    for row in tsv.lines().skip(1) {
        let mut f = row.splitn(3, '\t');
        let (Some(n), Some(k), Some(secret)) = (f.next(), f.next(), f.next()) else {
            panic!("bad row {row:?}");
        };
        rows.push((n.parse().unwrap(), k.parse().unwrap(), secret.to_owned()));
    }
    assert!(
        rows.len() >= 100,
        "the corpus should hold at least 100 secrets"
    );
    let mut failures = Vec::new();
    let mut caught = 0;
    for (n, kind, secret) in &rows {
        let line = lines[n - 1];
        let mut r = Redactor::default();
        let out = r.redact_str(line);
        let audit = r.audit();
        let gone = !out.contains(secret.as_str());
        let kind_ok = audit.count(*kind) > 0;
        if gone && kind_ok {
            caught += 1;
        } else {
            failures.push(format!(
                "line {n} {kind}: gone={gone} kind_reported={kind_ok}\n  in : {line}\n  out: {out}"
            ));
        }
    }
    println!("secrets caught: {caught}/{}", rows.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Ordinary log lines come out unchanged with the default configuration.
#[test]
fn clean_corpus_is_unchanged() {
    let log = read("fixtures/secrets/clean.log");
    let mut r = Redactor::default();
    let mut changed = Vec::new();
    let mut n = 0;
    for line in log.lines() {
        n += 1;
        let out = r.redact_str(line);
        if out != line {
            changed.push(format!("  in : {line}\n  out: {out}"));
        }
    }
    println!("clean lines changed: {}/{n}", changed.len());
    assert!(n >= 100);
    assert!(
        changed.is_empty(),
        "{} clean lines changed:\n{}",
        changed.len(),
        changed.join("\n")
    );
    assert_eq!(r.audit().total(), 0);
}

/// The loghub-2k logs (real logs from nine systems) hold no secrets and no instructions. The
/// one thing the default configuration replaces in them is an email address (a kernel build
/// banner's `bhcompile@bugs.build.redhat.com`), which is right: emails are redacted.
#[test]
fn loghub_logs_are_left_alone_except_emails() {
    let mut other = Vec::new();
    let (mut total, mut changed, mut emails) = (0, 0, 0);
    for name in [
        "Apache",
        "BGL",
        "HDFS",
        "HPC",
        "Hadoop",
        "Linux",
        "OpenSSH",
        "Spark",
        "Zookeeper",
    ] {
        let log = read(&format!("fixtures/loghub-2k/{name}/{name}_2k.log"));
        for line in log.lines() {
            total += 1;
            let mut r = Redactor::default();
            let out = r.redact_str(line);
            let audit = r.audit();
            if out != line {
                changed += 1;
            }
            emails += audit.count(Kind::Email);
            if audit.total() != audit.count(Kind::Email) {
                other.push(format!("  {name}: {line}\n  out: {out}"));
            }
        }
    }
    println!("loghub lines changed: {changed}/{total} ({emails} emails)");
    assert!(
        other.is_empty(),
        "{} loghub lines changed beyond emails:\n{}",
        other.len(),
        other.join("\n")
    );
    assert!(changed <= 20, "{changed} loghub lines changed");
}

/// Every injection attempt is flagged suspicious, and its payload does not survive as text.
#[test]
fn injection_corpus_every_attempt_is_quarantined() {
    let log = read("fixtures/injection/injection.log");
    let lines: Vec<&str> = log.lines().collect();
    let tsv = read("fixtures/injection/injection.tsv");
    let mut failures = Vec::new();
    let mut caught = 0;
    let mut total = 0;
    for row in tsv.lines().skip(1) {
        let mut f = row.splitn(3, '\t');
        let (Some(n), Some(technique), Some(payload)) = (f.next(), f.next(), f.next()) else {
            panic!("bad row {row:?}");
        };
        let n: usize = n.parse().unwrap();
        total += 1;
        let line = lines[n - 1];
        let mut r = Redactor::default();
        let out = r.redact_str(line);
        let flagged = r.audit().suspicious_total() > 0;
        let gone = !out.contains(payload);
        if flagged && gone {
            caught += 1;
        } else {
            failures.push(format!(
                "line {n} ({technique}): flagged={flagged} payload_gone={gone}\n  in : {line}\n  out: {out}"
            ));
        }
    }
    println!("injection attempts caught: {caught}/{total}");
    assert!(total >= 50);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Lines that share words with injections but are ordinary are not flagged, and not changed.
#[test]
fn injection_clean_lines_are_not_flagged() {
    let log = read("fixtures/injection/clean.log");
    let mut flagged = Vec::new();
    let mut n = 0;
    for line in log.lines() {
        n += 1;
        let mut r = Redactor::default();
        let out = r.redact_str(line);
        if out != line || r.audit().total() > 0 {
            flagged.push(format!("  in : {line}\n  out: {out}"));
        }
    }
    println!("clean injection-set lines flagged: {}/{n}", flagged.len());
    assert!(
        flagged.is_empty(),
        "{} lines flagged:\n{}",
        flagged.len(),
        flagged.join("\n")
    );
}
