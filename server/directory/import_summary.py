"""The summary ``tsunagu import-sites`` prints: one screen a person can act on.

Counts first (read, new, updated, unchanged, skipped by 種別, refused), then the refused
rows grouped by what would fix them, each group with its line numbers and the command or
edit that fixes it, then the warnings.
"""

from collections import defaultdict

from sync.vocabulary import SITE_KINDS

from .importer import ImportReport
from .opendata import RowProblem

# Lines of one group listed before "… and N more".
_SHOWN = 5


def summary_lines(report: ImportReport, file_name: str) -> list[str]:
    head = (f"取り込みの確認（書き込みはしていません） / dry run of {file_name}: nothing written"
            if report.dry_run else f"取り込み結果 / import of {file_name}")
    lines = [head,
             f"  読んだ行 rows read ............ {report.read}",
             f"  新規 new ...................... {report.created}",
             f"  更新 updated .................. {report.updated}",
             f"  変更なし unchanged ............ {report.unchanged}",
             f"  種別で対象外 skipped by 種別 ... {sum(report.skipped.values())}"]
    for source_type, count in sorted(report.skipped.items()):
        lines.append(f"      {source_type} × {count}")
    lines.append(f"  取り込めない行 refused ......... {len(report.problems)}")
    if report.kinds_loaded:
        lines.append(f"  種別の対応表から追加 kind mappings added: {report.kinds_loaded}")
    if report.new_wards:
        lines.append(f"  新しい区・市町村 new wards: {', '.join(report.new_wards)}")
    groups: dict[tuple[str, str], list[RowProblem]] = defaultdict(list)
    for problem in report.problems:
        groups[(problem.group, problem.subject)].append(problem)
    if groups:
        lines.append("取り込めなかった行と直し方 / refused rows and how to fix them:")
    for (group, subject), problems in groups.items():
        lines.append(f"  ● {_title(group, subject, problems)}")
        for problem in problems[:_SHOWN]:
            column = f" [{problem.column}]" if problem.column else ""
            lines.append(f"      line {problem.line}{column}: {problem.reason}")
        if len(problems) > _SHOWN:
            more = len(problems) - _SHOWN
            lines.append(f"      … ほか{more}行 / and {more} more")
        lines.append(f"    → {_fix(group, subject, file_name)}")
    if report.warnings:
        lines.append("確認してください / worth a look:")
        for warning in report.warnings:
            lines.append(f"      line {warning.line} [{warning.column}]: {warning.reason}")
    return lines


def _title(group: str, subject: str, problems: list[RowProblem]) -> str:
    count = f"{len(problems)}行 / {len(problems)} rows"
    titles = {
        "unknown_kind": f"種別「{subject}」が対応表にない / 種別 not mapped",
        "bad_code": "1列目のコードが正しくない / bad code in column 1",
        "unknown_code": f"コード「{subject}」の自治体がない / no local government {subject}",
        "ward_unclear": f"{subject}のどの区か分からない / ward of {subject} not told",
        "width": "列の数が見出しと違う / wrong number of cells",
        "duplicate": "同じ施設が2回ある / the same site twice",
        "cell": f"列「{subject}」が読めない / column {subject} unreadable",
    }
    return f"{titles.get(group, group)}: {count}"


def _fix(group: str, subject: str, file_name: str) -> str:
    again = f"then: tsunagu import-sites {file_name}"
    if group == "unknown_kind":
        return (f"tsunagu map-kind {subject} KIND   (KIND: {' | '.join(SITE_KINDS)}); "
                f"施設でなければ / not a support site: tsunagu map-kind {subject} --skip")
    if group in ("bad_code", "unknown_code"):
        return ("1列目に総務省の全国地方公共団体コード（5桁か検査数字付き6桁）を書く / write the "
                f"5-digit code or the 6-digit one with its check digit in column 1; {again}")
    if group == "ward_unclear":
        return ("市区町村名に区まで書く（例: 横浜市鶴見区）か、1列目に区のコードを書く / write the "
                f"ward in 市区町村名 (e.g. 横浜市鶴見区) or the ward's own code; {again}")
    return f"ファイルのその行を直す / fix those rows in the file; {again}"
