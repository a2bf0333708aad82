"""Derived fields from a small, safe expression language (never `eval`).

Grammar: numbers, 'text', field names (or `field("name with spaces")`), `+ - * /`, `//`, `%`,
unary minus, parentheses, and the functions upper, lower, strip, concat, coalesce, round, abs,
number, text. The expression is parsed with `ast` and only these node kinds are accepted; it
is evaluated column-wise with pyarrow.compute, so it costs the same for 10 or 10 million rows.
"""

from __future__ import annotations

import ast
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed

MAX_EXPRESSION_CHARS = 500
FUNCTIONS = (
    "upper",
    "lower",
    "strip",
    "concat",
    "coalesce",
    "round",
    "abs",
    "number",
    "text",
    "field",
)
OPERATORS = {
    ast.Add: "add",
    ast.Sub: "subtract",
    ast.Mult: "multiply",
    ast.Div: "divide",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
}


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="expression-invalid")


def parse_expression(source: str) -> ast.expr:
    """The checked syntax tree of an expression; anything outside the grammar is refused."""
    if len(source) > MAX_EXPRESSION_CHARS:
        raise _refuse(
            _("The expression is too long (at most %(n)d characters).")
            % {"n": MAX_EXPRESSION_CHARS}
        )
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        raise _refuse(
            _("The expression %(expr)r cannot be read at character %(pos)s.")
            % {"expr": source, "pos": error.offset or "?"}
        ) from None
    _check(tree.body, source)
    return tree.body


def _check(node: ast.AST, source: str) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        _check(node.left, source)
        _check(node.right, source)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check(node.operand, source)
    elif isinstance(node, ast.Name) or (
        isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str))
    ):
        return
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and not node.keywords
    ):
        if node.func.id == "field" and not (
            len(node.args) == 1
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            raise _refuse(_("field() takes one quoted field name."))
        for argument in node.args:
            _check(argument, source)
    else:
        raise _refuse(
            _(
                "The expression %(expr)r uses something that is not allowed. Allowed: field names,"
                " numbers, 'text', + - * / // %%, parentheses and the functions %(functions)s."
            )
            % {"expr": source, "functions": ", ".join(FUNCTIONS)}
        )


def _numeric(column: pa.Array) -> pa.Array:
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        return column
    if pa.types.is_decimal(column.type):
        return pc.cast(column, pa.float64())
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    try:
        return pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise _refuse(_("A field used in arithmetic holds values that are not numbers.")) from None


def _text(column: pa.Array) -> pa.Array:
    return column if pa.types.is_string(column.type) else pc.cast(column, pa.string())


def _column(table: pa.Table, name: str) -> pa.Array:
    if name not in table.column_names:
        raise ValidationFailed(
            _("The expression reads the field %(name)s, which the source does not have.")
            % {"name": name},
            code="source-field-missing",
        )
    return table.column(name).combine_chunks()


def evaluate(node: ast.expr, table: pa.Table) -> pa.Array:
    """The expression's value for every row of `table` (an array as long as the table)."""
    value = _evaluate(node, table)
    if isinstance(value, (pa.Array, pa.ChunkedArray)):
        return value
    return pa.array([value] * table.num_rows)


def _evaluate(node: ast.expr, table: pa.Table) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _column(table, node.id)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, table)
        if isinstance(node.op, ast.UAdd):
            return operand
        return pc.negate(_numeric(operand)) if isinstance(operand, pa.Array) else -operand
    if isinstance(node, ast.BinOp):
        return _binary(node, table)
    return _call(node, table)


def _as_array(value: Any, table: pa.Table) -> pa.Array:
    return value if isinstance(value, pa.Array) else pa.array([value] * table.num_rows)


def _binary(node: ast.BinOp, table: pa.Table) -> Any:
    left, right = _evaluate(node.left, table), _evaluate(node.right, table)
    operator = OPERATORS[type(node.op)]
    # `+` joins text only when one side is a quoted text constant: source columns are often
    # numbers read as text (CSV), and `a + b` must add them.
    text_plus = operator == "add" and (isinstance(left, str) or isinstance(right, str))
    if text_plus:
        return pc.binary_join_element_wise(
            _text(_as_array(left, table)), _text(_as_array(right, table)), ""
        )
    left = _numeric(_as_array(left, table))
    right = _numeric(_as_array(right, table))
    if operator == "divide":
        left, right = pc.cast(left, pa.float64()), pc.cast(right, pa.float64())
        right = pc.if_else(pc.equal(right, 0), pa.scalar(None, pa.float64()), right)
        return pc.divide(left, right)
    if operator == "floordiv":
        right = pc.if_else(pc.equal(right, 0), pa.scalar(None, right.type), right)
        return pc.floor(pc.divide(pc.cast(left, pa.float64()), pc.cast(right, pa.float64())))
    if operator == "mod":
        quotient = pc.floor(pc.divide(pc.cast(left, pa.float64()), pc.cast(right, pa.float64())))
        return pc.subtract(left, pc.multiply(quotient, right))
    return getattr(pc, operator)(left, right)


def _call(node: ast.Call, table: pa.Table) -> Any:
    name = node.func.id
    if name == "field":
        return _column(table, node.args[0].value)
    arguments = [_as_array(_evaluate(argument, table), table) for argument in node.args]
    if not arguments:
        raise _refuse(_("%(name)s() needs an argument.") % {"name": name})
    first = arguments[0]
    if name == "upper":
        return pc.utf8_upper(_text(first))
    if name == "lower":
        return pc.utf8_lower(_text(first))
    if name == "strip":
        return pc.utf8_trim_whitespace(_text(first))
    if name == "concat":
        return pc.binary_join_element_wise(*[_text(argument) for argument in arguments], "")
    if name == "coalesce":
        common = [_text(argument) for argument in arguments]
        return pc.coalesce(*common)
    if name == "round":
        digits = (
            int(node.args[1].value)
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
            else 0
        )
        return pc.round(_numeric(first), ndigits=digits)
    if name == "abs":
        return pc.abs(_numeric(first))
    if name == "number":
        return _numeric(first)
    return _text(first)  # text()
