#!/usr/bin/env python3
"""Generate fixtures/reports/slack_markup.log: log text that tries to format, mention, link or
forge lines in a Slack message, and a terminal.

An hour of ordinary lines, then ten minutes in which three hostile messages appear (new
templates, so they are flagged and quoted in the summary): Slack mentions (`<!channel>`,
`<!here>`, `<@U024BE7LH>`), a Slack link (`<http://evil.example/login|the fix>`), inline
formatting (`*URGENT*`, `_all_`, `~hands~`), code spans, an escape sequence and a carriage
return that forges a second log line.

Usage: python3 scripts/gen-slack-markup-fixture.py [output-file]
       (default fixtures/reports/slack_markup.log; the output is the same on every run)
"""

import sys

out = sys.argv[1] if len(sys.argv) > 1 else "fixtures/reports/slack_markup.log"
lines = []
for i in range(360):
    s = i * 10
    lines.append(
        f"2026-11-27 13:{s // 60:02d}:{s % 60:02d},000 INFO  [main] app.web.Access: "
        f"GET /api/items/{1000 + i} status=200 duration={10 + i % 7}ms"
    )
for i in range(120):
    s = 3600 + i * 5
    ts = f"2026-11-27 14:{(s - 3600) // 60:02d}:{s % 60:02d},000"
    lines.append(f"{ts} INFO  [main] app.web.Access: GET /api/items/{2000 + i} status=200 duration=11ms")
    k = i % 3
    if k == 0:
        lines.append(
            f"{ts} ERROR [main] app.chat.Notify: <!channel> <!here> <@U024BE7LH> *URGENT* _all_ "
            f"~hands~ see <http://evil.example/login|the fix> job={7000 + i}"
        )
    elif k == 1:
        lines.append(
            f"{ts} ERROR [main] app.chat.Relay: relayed \x1b[2J\x1b[31mred\x1b[0m text\r"
            f"{ts} INFO  [main] app.auth.Login: admin logged in session={8000 + i}"
        )
    else:
        lines.append(
            f"{ts} WARN  [main] app.chat.Quote: > quoted `rm -rf /` ```block``` "
            f"<script>alert(1)</script> &amp; *bold* n={9000 + i}"
        )
with open(out, "w", newline="") as f:
    f.write("\n".join(lines) + "\n")
