"""Results tables narrowed to the text column.

A results file comes into the docs as its script wrote it (``{include}``). A
Markdown table in it that is wider than the text column, by the estimate of
``docs/check_site.py``, is shown as several tables, each with the first
column (what a row is) and as many of the next columns as fit. The file
itself keeps the whole table.
"""

from check_site import COLUMN_PX, column_widths


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def split_table(lines):
    """The lines of one Markdown table, as one or more tables that fit."""
    header, rule, *body = [_cells(line) for line in lines]
    widths = column_widths([header, *body])
    groups, group, used = [], [], widths[0]
    for i in range(1, len(header)):
        if group and used + widths[i] > COLUMN_PX:
            groups.append(group)
            group, used = [], widths[0]
        group.append(i)
        used += widths[i]
    groups.append(group)
    if len(groups) == 1:
        return lines
    out = []
    for k, group in enumerate(groups):
        keep = [0, *group]
        out.extend("| " + " | ".join(row[i] if i < len(row) else "" for i in keep) + " |"
                   for row in (header, rule, *body))
        if k < len(groups) - 1:
            out.append("")
    return out


def narrow(text):
    """``text`` with each table that is too wide split (other lines unchanged)."""
    lines, out, table = text.split("\n"), [], []
    for line in [*lines, None]:
        if line is not None and line.lstrip().startswith("|"):
            table.append(line)
            continue
        if table:
            is_table = len(table) >= 2 and set(table[1].replace("|", "").strip()) <= set("-: ")
            out.extend(split_table(table) if is_table else table)
            table = []
        if line is not None:
            out.append(line)
    return "\n".join(out)


def _on_include(app, relative_path, parent_docname, content):
    content[0] = narrow(content[0])


def setup(app):
    app.connect("include-read", _on_include)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
