#!/bin/sh
# The crate's proportions, as docs/ARCHITECTURE.md reports them. Run from the repository root:
#     sh docs/sizes.sh
# Lines: every line of each src/**/*.rs file up to its first `#[cfg(test)]` (unit tests are not
# counted; comments and blank lines are). Functions: those of src/ longer than 80 lines, measured
# from `fn` to the matching brace (strings, characters and comments skipped). A function whose
# doc comment has a line starting `Long because` says why it is long; it is listed apart.
set -eu
for f in $(find src -name '*.rs'); do
    awk '/^#\[cfg\(test\)\]/ { exit } { n++ } END { print n + 0, FILENAME }' "$f"
done | awk '{ t += $1 } $2 ~ /^src\/plots/ { p += $1 }
    END { printf "src/plots: %d of %d non-test lines of src/ (%.1f%%)\n", p, t, 100 * p / t }'
python3 - <<'PY'
import os, re
def functions(path):
    s = open(path).read()
    i, n, braces, fns = 0, len(s), [], []
    while i < n:
        if s.startswith('//', i):
            j = s.find('\n', i); i = n if j < 0 else j; continue
        if s.startswith('/*', i):
            i = s.find('*/', i) + 2; continue
        m = re.match(r'r(#*)"', s[i:i + 10])
        if m and (i == 0 or not (s[i - 1].isalnum() or s[i - 1] == '_')):
            i = s.find('"' + m.group(1), i + len(m.group(0))) + 1 + len(m.group(1)); continue
        if s[i] == '"':
            j = i + 1
            while s[j] != '"':
                j += 2 if s[j] == '\\' else 1
            i = j + 1; continue
        if s[i] == "'":
            m = re.match(r"'(\\.|\\u\{[0-9a-fA-F]+\}|[^\\'])'", s[i:])
            if m:
                i += len(m.group(0)); continue
        m = re.match(r'fn\s+(\w+)', s[i:i + 80])
        if m and (i == 0 or not (s[i - 1].isalnum() or s[i - 1] == '_')):
            fns.append((i, m.group(1)))
        if s[i] in '{};':
            braces.append((i, s[i]))
        i += 1
    for start, name in fns:
        k = next(k for k, (q, _) in enumerate(braces) if q > start)
        if braces[k][1] != '{':
            continue
        depth = 0
        for q, c in braces[k:]:
            depth += 1 if c == '{' else -1 if c == '}' else 0
            if c == '}' and depth == 0:
                break
        before = s[:start].rstrip().split('\n')
        doc = []
        while before and before[-1].strip().startswith(('//', '#[', 'pub', 'async')):
            doc.append(before.pop().strip())
        why = any(d.startswith('/// Long because') for d in doc)
        yield s.count('\n', 0, q) - s.count('\n', 0, start) + 1, path, s.count('\n', 0, start) + 1, name, why
long = sorted((f for root, _, files in os.walk('src') for x in files if x.endswith('.rs')
               for f in functions(os.path.join(root, x)) if f[0] > 80), reverse=True)
unexplained = [f for f in long if not f[4]]
print(f"functions of src/ over 80 lines without a comment saying why: {len(unexplained)}")
for lines, path, line, name, _ in unexplained:
    print(f"  {lines:4} {path}:{line} {name}")
print(f"functions of src/ over 80 lines with a `Long because` comment: {len(long) - len(unexplained)}")
for lines, path, line, name, why in long:
    if why:
        print(f"  {lines:4} {path}:{line} {name}")
PY
