"""Finding interface text that is not marked for translation, and reading the catalogues:
the tools of tests/trackii/test_i18n_catalogues.py and test_i18n_pages.py.

- ``template_findings``: text a person reads in a template (text nodes, and the attributes
  that are read: title, alt, placeholder, aria-label, data-label, data-confirm...) outside
  ``{% translate %}`` and ``{% blocktranslate %}``; variables and tags do not count.
- ``python_findings``: string literals where Python code gives a person text: messages,
  ``ValidationError`` and ``DomainError``, ``label=``/``help_text=``/``verbose_name=``/
  ``description=``..., the labels of ``TextChoices``, and model fields whose verbose name is
  a literal or left to Django (made from the field's name, never translated).
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

from trackii import catalogues

BASE = Path(settings.BASE_DIR)
# Text that is the same in every language.
UNTRANSLATED = ("Track II",)
LETTER = re.compile(r"[^\W\d_]")
HOLE = "\ue000"  # where a variable or a tag was
READ_ATTRIBUTES = {
    "title", "alt", "placeholder", "aria-label", "aria-description", "data-label",
    "data-confirm", "data-ending", "data-ended", "data-placeholder",
}  # fmt: skip
BUTTON_INPUTS = {"submit", "button", "reset"}


def _is_text(value: str) -> bool:
    value = value.replace(HOLE, " ")
    for constant in UNTRANSLATED:
        value = value.replace(constant, " ")
    return bool(LETTER.search(value))


def _squeeze(value: str) -> str:
    return " ".join(value.replace(HOLE, "…").split())


class _ReadText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skipping += 1
        attributes = dict(attrs)
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and attributes.get("type") in BUTTON_INPUTS
            )
            if read and value and _is_text(value):
                self.found.append(f'{name}="{_squeeze(value)}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and _is_text(data):
            self.found.append(_squeeze(data))


def template_findings(source: str, *, html: bool) -> list[str]:
    """The unmarked text a person reads in a template's source."""
    pieces = []
    translating = commenting = 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            pieces.append(HOLE if translating or commenting else token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            translating += name in ("blocktranslate", "blocktrans")
            translating -= name in ("endblocktranslate", "endblocktrans")
            commenting += name == "comment"
            commenting -= name == "endcomment"
        if token.token_type != TokenType.COMMENT:
            pieces.append(HOLE)
    # A tag whose name a tag chooses (<{% if href %}a{% else %}button{% endif %} ...>) is
    # still a tag.
    skeleton = "".join(pieces).replace("<" + HOLE, "<hole ")
    if not html:
        return [_squeeze(line) for line in skeleton.splitlines() if _is_text(line)]
    reader = _ReadText()
    reader.feed(skeleton)
    reader.close()
    return reader.found


def template_paths() -> list[Path]:
    """Every template of the project's own (templates/, HTML and the e-mails' text)."""
    root = BASE / "templates"
    return sorted(path for path in root.rglob("*") if path.suffix in (".html", ".txt"))


def findings_of_template(path: Path) -> list[str]:
    return template_findings(path.read_text(encoding="utf-8"), html=path.suffix == ".html")


# Python

PYTHON_AREAS = ("contacts", "events", "indicators", "trackii")
# Operators' and developers' text (commands' help, settings' errors), and data.
PYTHON_SKIPPED = ("/migrations/", "/management/", "trackii/settings.py", "/formats/")
MESSAGE_CALLS = {"success", "error", "warning", "info", "add_message"}
ERROR_CLASSES = {"ValidationError", "DomainError"}
TEXT_KEYWORDS = {
    "label", "help_text", "verbose_name", "verbose_name_plural", "empty_label",
    "description", "placeholder", "message",
}  # fmt: skip
GETTEXT_NAMES = {
    "_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
    "pgettext_lazy", "npgettext", "npgettext_lazy", "gettext_noop", "format_lazy",
}  # fmt: skip
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
# The API's documentation (its schema's descriptions) stays English, like its field names
# and values; its error messages do not.
API_DOCUMENTATION = {"description", "help_text"}


def _is_api_module(path: Path) -> bool:
    return path.stem in ("api", "serializers", "viewsets") or path.stem.endswith("_api")


def _literal(node) -> bool:
    """A text literal (or an f-string, or literals joined), not passed through gettext."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and _is_text(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_literal(part) for part in node.values)
    if isinstance(node, ast.BinOp):
        return _literal(node.left) or _literal(node.right)
    return False


def _name(node) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _is_field(call: ast.Call) -> bool:
    name = _name(call.func)
    return name.endswith("Field") or name in RELATION_FIELDS


class _PythonText(ast.NodeVisitor):
    def __init__(self, *, models_module: bool, api_module: bool):
        self.models_module = models_module
        self.api_module = api_module
        self.found: list[str] = []
        self._classes: list[ast.ClassDef] = []

    def _add(self, node, what: str) -> None:
        self.found.append(f"line {node.lineno}: {what}")

    def visit_ClassDef(self, node):
        self._classes.append(node)
        is_choices = any(_name(base).endswith("Choices") for base in node.bases)
        for statement in node.body:
            if isinstance(statement, ast.Assign):
                value = statement.value
                if is_choices and isinstance(value, ast.Tuple) and _literal(value.elts[-1]):
                    self._add(statement, "a choice's label")
                if self.models_module and isinstance(value, ast.Call) and _is_field(value):
                    self._check_field(statement, value)
                names = {_name(target) for target in statement.targets}
                if (
                    names & {"labels", "help_texts"}
                    and isinstance(value, ast.Dict)
                    and any(_literal(item) for item in value.values)
                ):
                    self._add(statement, "a form's labels or help texts")
        self.generic_visit(node)
        self._classes.pop()

    def _check_field(self, statement, call: ast.Call) -> None:
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        editable = keywords.get("editable")
        if isinstance(editable, ast.Constant) and editable.value is False:
            return
        first = call.args[0] if call.args else None
        if first is not None and _literal(first):
            self._add(statement, "a field's verbose name")
        elif (_name(call.func) in RELATION_FIELDS or first is None) and (
            "verbose_name" not in keywords
        ):
            self._add(statement, "a field's verbose name, made from its name")

    def visit_Call(self, node):
        name = _name(node.func)
        if name in GETTEXT_NAMES:
            return  # marked: nothing inside to report
        if (
            name in MESSAGE_CALLS
            and _name(getattr(node.func, "value", None)) == "messages"
            and any(_literal(argument) for argument in node.args[1:])
        ):
            self._add(node, f"messages.{name}()")
        if name in ERROR_CLASSES and node.args and _literal(node.args[0]):
            self._add(node, f"{name}()")
        for keyword in node.keywords:
            if self.api_module and keyword.arg in API_DOCUMENTATION:
                continue
            if keyword.arg in TEXT_KEYWORDS and _literal(keyword.value):
                self._add(node, f"{keyword.arg}=")
        self.generic_visit(node)


def python_paths() -> list[Path]:
    """The Python modules that give people text (tests, migrations, commands excepted)."""
    paths = []
    for area in PYTHON_AREAS:
        for path in sorted((BASE / area).rglob("*.py")):
            text = path.relative_to(BASE).as_posix()
            if not any(part in f"/{text}" for part in PYTHON_SKIPPED):
                paths.append(path)
    return paths


def findings_of_python(path: Path) -> list[str]:
    models_module = path.name == "models.py" or path.parent.name == "models"
    visitor = _PythonText(models_module=models_module, api_module=_is_api_module(path))
    visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return visitor.found


# The catalogues


def msgids(language: str) -> dict[tuple, str]:
    """Every translated message of the language's catalogues: (context, msgid) → msgstr."""
    found = {}
    for catalogue in catalogues.CATALOGUES:
        path = catalogues.po_path(BASE, catalogue, language)
        if path.exists():
            for entry in catalogues.read_po(path)[1:]:
                if entry.is_translated:
                    found[(entry.msgctxt, entry.msgid)] = entry.msgstr[0]
    return found
