"""Builds the libFuzzer harnesses (cpp/fuzz, clang with ASan+UBSan) and runs them on corpora
seeded by make_seeds.py; prints the CPU, the executions, the corpus growth and every finding.

  python benchmarks/fuzz/run_fuzzers.py --runs 1000000            # the closing figure
  python benchmarks/fuzz/run_fuzzers.py --seconds 60              # CI's smoke
A finding (crash, sanitizer report, timeout > 2 s, memory > the RSS limit) is saved under
BUILD/findings/ and makes the script exit 1: turn it into a tests/data/malformed/ regression
file with a test. Needs clang (Debian: apt-get install clang) and densekit importable."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZERS = {"load_model_fuzzer": "files", "config_fuzzer": "configs"}


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return re.search(r"Model name:\s*(.+)", out).group(1).strip()
    except (OSError, AttributeError):
        return "unknown CPU"


def build(build_dir):
    import cmeel  # noqa: F401  (cmeel-eigen, a build requirement in pyproject.toml)
    site = os.path.dirname(os.path.dirname(cmeel.__file__))
    env = dict(os.environ, CC="clang", CXX="clang++")
    subprocess.run(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                    f"-DCMAKE_PREFIX_PATH={site}", "-DDENSEKIT_BUILD_FUZZERS=ON", "-DDENSEKIT_BUILD_PYTHON=OFF",
                    "-DDENSEKIT_ARCH=x86-64-v3"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j2", "--target", *FUZZERS], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def run(build_dir, fuzzer, corpus, runs, seconds):
    findings = os.path.join(build_dir, "findings", fuzzer) + os.sep
    os.makedirs(findings, exist_ok=True)
    command = [os.path.join(build_dir, "cpp", "fuzz", fuzzer), corpus, "-timeout=2", "-rss_limit_mb=2048",
               "-malloc_limit_mb=1024", f"-artifact_prefix={findings}", "-print_final_stats=1",
               f"-runs={runs}" if runs else f"-max_total_time={seconds}"]
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    start = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.time() - start
    executions = re.search(r"stat::number_of_executed_units:\s*(\d+)", result.stderr)
    peak = re.search(r"stat::peak_rss_mb:\s*(\d+)", result.stderr)
    found = sorted(os.listdir(findings))
    print(f"{fuzzer}: {int(executions.group(1)) if executions else '?'} executions in {elapsed:.0f} s, "
          f"peak RSS {peak.group(1) if peak else '?'} MB, corpus {len(os.listdir(corpus))} inputs, "
          f"exit {result.returncode}, findings {len(found)}")
    if result.returncode != 0 or found:
        print(result.stderr[-4000:])
    return result.returncode == 0 and not found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build-fuzz"))
    parser.add_argument("--runs", type=int, default=0, help="executions per fuzzer (0: use --seconds)")
    parser.add_argument("--seconds", type=int, default=60, help="time per fuzzer when --runs is 0")
    parser.add_argument("--only", choices=sorted(FUZZERS))
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if shutil.which("clang++") is None:
        sys.exit("the fuzzers need clang++ (Debian: apt-get install clang)")
    print(f"CPU: {cpu_model()}")
    if not args.no_build:
        build(args.build_dir)
    seeds = os.path.join(args.build_dir, "seeds")
    subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "fuzz", "make_seeds.py"), seeds], check=True)
    ok = True
    for fuzzer, kind in FUZZERS.items():
        if args.only and fuzzer != args.only:
            continue
        corpus = os.path.join(args.build_dir, "corpus", fuzzer)
        os.makedirs(corpus, exist_ok=True)
        for name in os.listdir(os.path.join(seeds, kind)):
            shutil.copy(os.path.join(seeds, kind, name), corpus)
        ok = run(args.build_dir, fuzzer, corpus, args.runs, args.seconds) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
