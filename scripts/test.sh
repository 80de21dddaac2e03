#!/usr/bin/env bash
# The whole test suite: setup, reference fixtures from torchvision, the model tools' tests, then
# the Google Test suite natively, under ASan + UBSan, its threaded tests under ThreadSanitizer,
# and compiled to WebAssembly (SIMD, then SIMD + pthreads) under Node; then the npm package's tests (wasm-tests/, node:test: the JS API and CLI in Node, the
# packed package in Chromium). Ends with one "N passed, N failed" line over all runs.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

# The builds run in the background from here, in the order the suites need them: making the
# fixtures and the model tools' tests leave about one core idle (torchvision's Python side runs
# on one thread), which the compilers take. Each suite waits for its own build. The builder
# has a process group of its own, ended with the script.
variants=(native asan tsan wasm wasm-mt)
mkdir -p build
rm -f build/*.build.status
echo "test: building ${variants[*]} and the package in the background (build/*.build.out)"
setsid -w bash -c 'for v in "$@"; do
    bash scripts/build.sh "$v" >"build/$v.build.out" 2>&1
    echo $? >"build/$v.build.status.part" && mv "build/$v.build.status.part" "build/$v.build.status"
  done' builder "${variants[@]}" package &
builder=$!
trap 'kill -- -"$builder" 2>/dev/null' EXIT

# built VARIANT: waits for VARIANT's build, shows what it printed, and succeeds if it built.
built() {
  local status=build/$1.build.status
  while [ ! -f "$status" ] && kill -0 "$builder" 2>/dev/null; do sleep 1; done
  cat "build/$1.build.out" 2>/dev/null
  [ -f "$status" ] && [ "$(cat "$status")" = 0 ]
}

echo "test: making reference fixtures with torchvision (build/fixtures)"
/usr/bin/python3 models/make_fixtures.py build/fixtures || exit 1

passed=0
failed=0

# The model tools (RLE, scene generator, converter command line, a short training run).
echo "test: running the model tools' tests (models/test_tools.py)"
log=build/models.test.log
/usr/bin/python3 -m unittest -v models/test_tools.py >"$log" 2>&1
status=$?
grep -E ' \.\.\. |^Ran ' "$log"
[ $status -eq 0 ] || tail -40 "$log"
p=$(grep -cE ' \.\.\. ok$' "$log" || true)
f=$(grep -cE ' \.\.\. (FAIL|ERROR|skipped)' "$log" || true)
[ $status -eq 0 ] || [ "$f" -gt 0 ] || f=1
passed=$((passed + p))
failed=$((failed + f))

for variant in "${variants[@]}"; do
  if ! built "$variant"; then
    failed=$((failed + 1))
    continue
  fi
  echo "test: running the suite ($variant)"
  log=build/$variant.ctest.log
  # Each test is a process of its own (one per source file): as many at once as there are cores.
  ctest --test-dir "build/$variant" --output-on-failure --timeout 1500 -j "$(nproc)" >"$log" 2>&1
  status=$?
  grep -E 'Test +#|tests passed|tests failed|Total Test time' "$log"
  [ $status -eq 0 ] || { grep -A40 'Failure\|FAILED\|Error' "$log" | head -80; }
  p=$(grep -cE 'Test +#[0-9]+: .* Passed' "$log" || true)
  f=$(grep -cE 'Test +#[0-9]+: .*(\*\*\*Failed|\*\*\*Exception|\*\*\*Timeout|Not Run)' "$log" || true)
  [ $status -eq 0 ] || [ "$f" -gt 0 ] || f=1
  passed=$((passed + p))
  failed=$((failed + f))
done

# The package's modules link from the wasm and wasm-mt builds above; the tests also use the
# native build's segment_json and the fixtures. One test file at a time: most use both cores.
echo "test: running the package tests (wasm-tests, node:test)"
if built package; then
  log=build/wasm-tests.log
  tap=build/wasm-tests.tap
  node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" wasm-tests/ >"$log" 2>&1
  status=$?
  grep -vE '^\s+(at |ℹ)' "$log" | grep -E '✔|✖|▶|^ℹ (tests|pass|fail|duration)' | head -200
  [ $status -eq 0 ] || { grep -A30 '✖' "$log" | head -120; }
  # the runner's closing counts; a skipped or unfinished test counts as a failure here
  count() { local n; n=$(grep -E "^# $1 [0-9]+" "$tap" | tail -1 | awk '{print $3}'); echo "${n:-0}"; }
  p=$(count pass)
  f=$(( $(count fail) + $(count cancelled) + $(count skipped) + $(count todo) ))
  [ $status -eq 0 ] || [ "$f" -gt 0 ] || f=1
  passed=$((passed + p))
  failed=$((failed + f))
else
  failed=$((failed + 1))
fi

echo "test: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
