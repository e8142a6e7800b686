"""The insights report as text for a terminal: a summary line, then one table a section."""

from __future__ import annotations

from faqkb.insights.report import AnswerStats, Report, SearchGroup

WIDTH = 100


def format_report(report: Report, database: str) -> str:
    """``report`` as lines of text (``database`` names where it was read from)."""
    period = (f"{report.first_day.isoformat()} to {report.last_day.isoformat()} "
              f"({report.days} day{'' if report.days == 1 else 's'}, UTC)")
    lines = [f"Insights for {period} from {database}"]
    if report.empty:
        lines.append("Nothing was recorded in this period. Insights are recorded while "
                     "`faqkb serve --insights` runs.")
        return "\n".join(lines)
    share = f" ({report.no_close_match / report.searches:.0%})" if report.searches else ""
    lines.append(f"{report.searches:,} searches, {report.no_close_match:,} with no close match"
                 f"{share}, {report.corrected:,} corrected; {report.opened:,} answers opened; "
                 f"votes: {report.yes:,} yes, {report.no:,} no")
    lines += _section("Searches with no close match (what to write next)",
                      "  count  ways  example", [_unanswered(g) for g in report.unanswered])
    lines += _section("Top searches", "  count  no close match  opened  example",
                      [_top(g) for g in report.top_searches])
    lines += _section("Answers most opened", " opened   yes    no  answer",
                      [_answer(a, a.opened) for a in report.most_opened])
    rows = []
    for answer in report.most_no:
        rows.append(_answer(answer, answer.opened))
        rows += [_clip(f"{'':22}{'yes' if c.helpful else 'no'}, {c.day.isoformat()}: "
                       f"“{c.text}”") for c in answer.comments]
    lines += _section('Answers with the most "No" votes', " opened   yes    no  answer", rows)
    lines += _section("Corrected searches", "  count  typed → searched as",
                      [_clip(f"{c.count:7,}  {c.query} → {c.corrected}")
                       for c in report.corrected_searches])
    return "\n".join(lines)


def _section(title: str, header: str, rows: list[str]) -> list[str]:
    return ["", title, header, *rows] if rows else ["", title, "  none"]


def _unanswered(group: SearchGroup) -> str:
    return _clip(f"{group.count:7,}  {group.variants:4,}  {group.example}")


def _top(group: SearchGroup) -> str:
    return _clip(f"{group.count:7,}  {group.no_close_match:14,}  {group.opened:6,}  "
                 f"{group.example}")


def _answer(answer: AnswerStats, opened: int) -> str:
    entry = answer.entry
    if entry is None:
        name = f"{answer.entry_id} (not in the knowledge base now)"
    else:
        name = f"{entry.question or entry.text} ({entry.source})"
    return _clip(f"{opened:7,}  {answer.yes:4,}  {answer.no:4,}  {name}")


def _clip(line: str) -> str:
    line = " ".join(line.split("\n"))
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"
