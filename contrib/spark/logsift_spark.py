#!/usr/bin/env python3
"""logsift on Apache Spark: mine each partition, merge the states, analyse once.

    spark-submit --files target/release/logsift contrib/spark/logsift_spark.py \\
        INPUT... [--baseline PATH ...] [--partitions N] [--incident-start TIME] \\
        [--format text|markdown|json|html] [-o REPORT] [other logsift options]

The model (docs/scale-out.md):

* map: every partition of every input is piped, in order, through
  `logsift mine --emit-state - --shard K --input-name PATH --format-sample SAMPLE`
  on an executor. The shard number K is the partition's position in the whole input
  (baseline inputs first, then the others, each in argument order), so merged states know
  which lines came first. SAMPLE is the first lines of the partition's input, taken once on
  the driver, so every partition detects the header format the same way whatever line it
  starts at.
* reduce: the partial states (bytes) are merged on the executors with
  `logsift merge-state ... -o -`, a few adjacent states at a time, level by level, until one
  state is left.
* analyse once: the driver runs `logsift --load-state STATE` with the window and report
  options, exactly as a single `logsift` run on the raw lines would.

INPUT is any path Spark's textFile reads (local, hdfs://, s3a:// with the cluster's Hadoop
configuration; globs allowed; gzip files are one partition each). Options this script does
not know are passed to the analysis (`--top 20`, `--runbooks FILE`, `--llm off`, ...); files
they name must exist on the driver.
"""

import argparse
import json
import math
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

#: Lines the driver takes from the start of each input for header detection: the number
#: logsift itself samples (record::SAMPLE_LINES).
SAMPLE_LINES = 200
#: States merged per task in each reduce round: 4 keeps each merge small and the tree shallow
#: (16 partitions need two rounds).
FAN_IN = 4


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="logsift_spark.py",
        description="Run logsift over inputs too large for one machine, on Apache Spark.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="log paths Spark can read")
    p.add_argument("--baseline", action="append", default=[], metavar="PATH",
                   help="known-good logs to compare against (repeatable)")
    p.add_argument("--partitions", type=int, default=0, metavar="N",
                   help="split each input into about N partitions (default: Spark's split)")
    p.add_argument("--incident-start", metavar="TIME")
    p.add_argument("--incident-end", metavar="TIME")
    p.add_argument("--last", metavar="DURATION")
    p.add_argument("--format", default="text", choices=["text", "markdown", "json", "html"])
    p.add_argument("-o", "--output", metavar="FILE", help="report file (default: stdout)")
    p.add_argument("--log-format", metavar="FORMAT", help="header format (Loghub notation)")
    p.add_argument("--max-clusters", type=int, default=None, metavar="N")
    p.add_argument("--logsift", metavar="PATH",
                   help="the logsift binary (default: the one shipped with --files)")
    p.add_argument("--state-out", metavar="FILE",
                   help="also keep the merged state here (on the driver)")
    p.add_argument("--save-partials", metavar="DIR",
                   help="also write each partition's state to DIR on the driver")
    p.add_argument("--timings", metavar="FILE",
                   help="write timings and state sizes as JSON to FILE")
    return p.parse_known_args(argv)


def find_binary(explicit):
    """The logsift binary: an explicit path, the one shipped with --files, or PATH's."""
    if explicit:
        return explicit
    try:
        from pyspark import SparkFiles
        path = SparkFiles.get("logsift")
        if os.path.exists(path):
            mode = os.stat(path).st_mode
            if not mode & stat.S_IXUSR:
                os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            return path
    except Exception:  # noqa: BLE001 - outside a Spark context, fall back to PATH
        pass
    found = shutil.which("logsift")
    if found:
        return found
    raise RuntimeError("logsift binary not found: pass it with spark-submit --files "
                       "target/release/logsift, or give --logsift PATH")


def run(cmd, stdin_lines=None):
    """Runs cmd, streaming stdin_lines (bytes without newline) into it; returns stdout."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin_lines is not None else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = []
    counted = [0]
    errt = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    errt.start()
    feeder = None
    if stdin_lines is not None:
        def feed():
            try:
                for line in stdin_lines:
                    proc.stdin.write(line)
                    proc.stdin.write(b"\n")
                    counted[0] += len(line) + 1
            except BrokenPipeError:
                pass
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
        feeder = threading.Thread(target=feed)
        feeder.start()
    out = proc.stdout.read()
    if feeder:
        feeder.join()
    rc = proc.wait()
    errt.join()
    if rc != 0:
        raise RuntimeError("%s exited with %d: %s" % (
            " ".join(cmd[:2]), rc, b"".join(err).decode("utf-8", "replace").strip()))
    return out, counted[0]


def mine_partition(binary_path, shard_base, name, sample, baseline, log_format, max_clusters):
    """The map task: one partition's lines in, (shard, state bytes, input bytes) out."""
    def task(index, lines):
        binary = find_binary(binary_path)
        with tempfile.NamedTemporaryFile(prefix="logsift-sample-", delete=False) as f:
            f.write(sample)
            sample_path = f.name
        try:
            shard = shard_base + index
            cmd = [binary, "mine", "--quiet", "--emit-state", "-", "--shard", str(shard),
                   "--input-name", name, "--format-sample", sample_path]
            if baseline:
                cmd.append("--baseline")
            if log_format:
                cmd += ["--log-format", log_format]
            if max_clusters:
                cmd += ["--max-clusters", str(max_clusters)]
            state, nbytes = run(cmd, lines)
        finally:
            os.unlink(sample_path)
        yield (shard, state, nbytes)
    return task


def merge_group(binary_path):
    """The reduce task: adjacent states in, one merged state out."""
    def task(item):
        key, states = item
        states = sorted(states, key=lambda s: s[0])
        if len(states) == 1:
            return (key, states[0][1])
        binary = find_binary(binary_path)
        with tempfile.TemporaryDirectory(prefix="logsift-merge-") as d:
            paths = []
            for pos, data in states:
                path = os.path.join(d, "%d.state" % pos)
                with open(path, "wb") as f:
                    f.write(data)
                paths.append(path)
            merged, _ = run([binary, "merge-state", "--quiet"] + paths + ["-o", "-"])
        return (key, merged)
    return task


def input_size(sc, path):
    """Total bytes under a path (globs allowed), through Spark's Hadoop file system."""
    jvm = sc._jvm
    conf = sc._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(conf)
    statuses = fs.globStatus(hpath) or []
    total = 0
    for st in statuses:
        total += fs.getContentSummary(st.getPath()).getLength()
    return total


def read_input(sc, path, partitions):
    """An RDD of the lines (bytes) of path, split into about `partitions` contiguous pieces.

    Spark's textFile never splits a file into more pieces than its minimum split size allows,
    nor fewer than its block size gives; setting the minimum split size to size/N makes N
    pieces for a splittable file. Partitions keep the order of the lines.
    """
    conf = sc._jsc.hadoopConfiguration()
    key = "mapreduce.input.fileinputformat.split.minsize"
    old = conf.get(key)
    if partitions > 0:
        size = max(1, input_size(sc, path))
        conf.set(key, str(max(1, math.ceil(size / partitions))))
        rdd = sc.textFile(path, minPartitions=partitions, use_unicode=False)
    else:
        rdd = sc.textFile(path, use_unicode=False)
    rdd.getNumPartitions()  # computes the splits while the setting holds
    if old is None:
        conf.unset(key)
    else:
        conf.set(key, old)
    return rdd


def main(argv):
    args, analysis_args = parse_args(argv)
    from pyspark.sql import SparkSession

    t0 = time.monotonic()
    spark = SparkSession.builder.appName("logsift").getOrCreate()
    sc = spark.sparkContext
    driver_binary = find_binary(args.logsift)
    shipped = args.logsift  # None: executors use the copy shipped with --files

    # Map: every partition of every input through `logsift mine`, numbered in input order.
    pieces = []
    shard_base = 0
    for group, paths in (("baseline", args.baseline), ("target", args.inputs)):
        for path in paths:
            rdd = read_input(sc, path, args.partitions)
            sample = b"\n".join(rdd.take(SAMPLE_LINES)) + b"\n"
            n = rdd.getNumPartitions()
            pieces.append(rdd.mapPartitionsWithIndex(mine_partition(
                shipped, shard_base, path, sample, group == "baseline", args.log_format,
                args.max_clusters)))
            shard_base += n
    states = sc.union(pieces) if len(pieces) > 1 else pieces[0]
    states = states.cache()
    info = states.map(lambda s: (s[0], len(s[1]), s[2])).collect()
    t_mine = time.monotonic()
    if args.save_partials:
        os.makedirs(args.save_partials, exist_ok=True)
        for shard, data, _ in states.collect():
            with open(os.path.join(args.save_partials, "%05d.state" % shard), "wb") as f:
                f.write(data)
    t_saved = time.monotonic()

    # Reduce: merge FAN_IN adjacent states per task, round after round, on the executors.
    level = states.map(lambda s: (s[0], s[1]))
    count = len(info)
    rounds = 0
    while count > 1:
        groups = math.ceil(count / FAN_IN)
        level = (level.zipWithIndex()
                 .map(lambda x, f=FAN_IN: (x[1] // f, (x[1], x[0][1])))
                 .groupByKey(numPartitions=groups)
                 .map(merge_group(shipped))
                 .sortByKey(numPartitions=groups))
        count = groups
        rounds += 1
    final = level.collect()[0][1]
    states.unpersist()
    t_merge = time.monotonic()

    # Analyse once, on the driver.
    with tempfile.TemporaryDirectory(prefix="logsift-driver-") as d:
        state_path = args.state_out or os.path.join(d, "merged.state")
        with open(state_path, "wb") as f:
            f.write(final)
        cmd = [driver_binary, "--load-state", state_path, "--format", args.format]
        if args.incident_start:
            cmd += ["--incident-start", args.incident_start]
        if args.incident_end:
            cmd += ["--incident-end", args.incident_end]
        if args.last:
            cmd += ["--last", args.last]
        if args.log_format:
            cmd += ["--log-format", args.log_format]
        if args.output:
            cmd += ["-o", args.output]
        cmd += analysis_args
        rc = subprocess.call(cmd)
    t_end = time.monotonic()

    timings = {
        "partitions": len(info),
        "reduce_rounds": rounds,
        "mine_s": round(t_mine - t0, 3),
        "merge_s": round(t_merge - t_saved, 3),
        "analyse_s": round(t_end - t_merge, 3),
        "total_s": round(t_end - t0 - (t_saved - t_mine), 3),
        "input_bytes": [b for _, _, b in sorted(info)],
        "state_bytes": [s for _, s, _ in sorted(info)],
        "merged_state_bytes": len(final),
    }
    print("logsift_spark: " + json.dumps(timings), file=sys.stderr)
    if args.timings:
        with open(args.timings, "w") as f:
            json.dump(timings, f, indent=1)
    spark.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
