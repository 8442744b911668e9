"""A small GraphQL document parser for the node stand-in (stdlib only): operations with variable
definitions, fields with aliases and arguments, fragments (named and inline), every value kind.
Enough of the October 2021 spec for what a client sends; directives are parsed and ignored.

parse(text) -> Document; raises GraphQLSyntaxError(message, line, column) on anything else.
"""

import re

TOKEN = re.compile(r"""
    (?P<skip>[\s,\ufeff]+|\#[^\n\r]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$&()\:=@\[\]{|}])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<block>\"\"\"(?:\\\"\"\"|[^"]|"(?!""))*\"\"\")
  | (?P<string>"(?:\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})|[^"\\\n\r])*")
""", re.VERBOSE)


class GraphQLSyntaxError(Exception):
    def __init__(self, message, line, column):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class Variable:
    def __init__(self, name):
        self.name = name

    def __eq__(self, other):
        return isinstance(other, Variable) and other.name == self.name

    def __repr__(self):
        return "$" + self.name


class Enum(str):
    """An enum value (a bare name), distinct from a string literal."""


class Field:
    def __init__(self, name, alias, arguments, selections, line, column):
        self.name, self.alias, self.arguments, self.selections = name, alias, arguments, selections
        self.line, self.column = line, column

    @property
    def key(self):
        return self.alias or self.name


class FragmentSpread:
    def __init__(self, name, line, column):
        self.name, self.line, self.column = name, line, column


class InlineFragment:
    def __init__(self, type_condition, selections):
        self.type_condition, self.selections = type_condition, selections


class Operation:
    def __init__(self, kind, name, variables, selections):
        # variables: {name: (type text, default value or None)}
        self.kind, self.name, self.variables, self.selections = kind, name, variables, selections


class Document:
    def __init__(self, operations, fragments):
        self.operations, self.fragments = operations, fragments


def tokenize(text):
    tokens, position, line, line_start = [], 0, 1, 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            raise GraphQLSyntaxError("Unexpected character %r" % text[position], line, position - line_start + 1)
        kind, value = match.lastgroup, match.group()
        if kind != "skip":
            tokens.append((kind, value, line, position - line_start + 1))
        for index, char in enumerate(value):
            if char == "\n":
                line, line_start = line + 1, position + index + 1
        position = match.end()
    tokens.append(("eof", "", line, position - line_start + 1))
    return tokens


class Parser:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def peek(self):
        return self.tokens[self.index]

    def fail(self, message=None):
        kind, value, line, column = self.peek
        raise GraphQLSyntaxError(message or ("Unexpected end of document" if kind == "eof"
                                             else "Unexpected %r" % value), line, column)

    def take(self, kind, value=None):
        token = self.peek
        if token[0] != kind or (value is not None and token[1] != value):
            self.fail()
        self.index += 1
        return token

    def accept(self, kind, value=None):
        token = self.peek
        if token[0] == kind and (value is None or token[1] == value):
            self.index += 1
            return token
        return None

    def document(self):
        operations, fragments = [], {}
        while self.peek[0] != "eof":
            if self.peek[:2] == ("punct", "{"):
                operations.append(Operation("query", None, {}, self.selection_set()))
                continue
            keyword = self.take("name")[1]
            if keyword == "fragment":
                name = self.take("name")[1]
                self.take("name", "on")
                self.take("name")
                self.directives()
                fragments[name] = self.selection_set()
            elif keyword in ("query", "mutation", "subscription"):
                name = self.accept("name")
                variables = self.variable_definitions() if self.peek[:2] == ("punct", "(") else {}
                self.directives()
                operations.append(Operation(keyword, name[1] if name else None, variables, self.selection_set()))
            else:
                self.index -= 1
                self.fail()
        if not operations:
            self.fail("Document contains no operation")
        return Document(operations, fragments)

    def variable_definitions(self):
        self.take("punct", "(")
        variables = {}
        while not self.accept("punct", ")"):
            self.take("punct", "$")
            name = self.take("name")[1]
            self.take("punct", ":")
            type_text = self.type_reference()
            default = self.value(const=True) if self.accept("punct", "=") else None
            self.directives()
            variables[name] = (type_text, default)
        return variables

    def type_reference(self):
        if self.accept("punct", "["):
            inner = self.type_reference()
            self.take("punct", "]")
            text = "[" + inner + "]"
        else:
            text = self.take("name")[1]
        if self.accept("punct", "!"):
            text += "!"
        return text

    def directives(self):
        while self.accept("punct", "@"):
            self.take("name")
            if self.peek[:2] == ("punct", "("):
                self.arguments()

    def selection_set(self):
        self.take("punct", "{")
        selections = []
        while not self.accept("punct", "}"):
            if self.accept("spread"):
                if self.peek[0] == "name" and self.peek[1] != "on":
                    _, name, line, column = self.take("name")
                    self.directives()
                    selections.append(FragmentSpread(name, line, column))
                else:
                    condition = None
                    if self.accept("name", "on"):
                        condition = self.take("name")[1]
                    self.directives()
                    selections.append(InlineFragment(condition, self.selection_set()))
                continue
            _, name, line, column = self.take("name")
            alias = None
            if self.accept("punct", ":"):
                alias, name = name, self.take("name")[1]
            arguments = self.arguments() if self.peek[:2] == ("punct", "(") else {}
            self.directives()
            selections_inner = self.selection_set() if self.peek[:2] == ("punct", "{") else None
            selections.append(Field(name, alias, arguments, selections_inner, line, column))
        if not selections:
            self.fail("Empty selection set")
        return selections

    def arguments(self):
        self.take("punct", "(")
        arguments = {}
        while not self.accept("punct", ")"):
            name = self.take("name")[1]
            self.take("punct", ":")
            arguments[name] = self.value()
        return arguments

    def value(self, const=False):
        kind, text, line, column = self.peek
        if kind == "punct" and text == "$" and not const:
            self.index += 1
            return Variable(self.take("name")[1])
        if kind == "number":
            self.index += 1
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            self.index += 1
            return decode_string(text[1:-1])
        if kind == "block":
            self.index += 1
            return text[3:-3].replace('\\"""', '"""')
        if kind == "name":
            self.index += 1
            return {"true": True, "false": False, "null": None}.get(text, Enum(text))
        if kind == "punct" and text == "[":
            self.index += 1
            items = []
            while not self.accept("punct", "]"):
                items.append(self.value(const))
            return items
        if kind == "punct" and text == "{":
            self.index += 1
            fields = {}
            while not self.accept("punct", "}"):
                name = self.take("name")[1]
                self.take("punct", ":")
                fields[name] = self.value(const)
            return fields
        self.fail()


def decode_string(body):
    out, index = [], 0
    simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
    while index < len(body):
        char = body[index]
        if char == "\\":
            code = body[index + 1]
            if code == "u":
                out.append(chr(int(body[index + 2:index + 6], 16)))
                index += 6
                continue
            out.append(simple[code])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def parse(text):
    return Parser(text).document()
