"""Spec -> a standalone, readable PyTorch source file.

The emitted module imports only torch, defines one class per block plus the model, names every
submodule exactly as `build_model` does (so `build_model(spec).state_dict()` loads into it) and writes
the shape after every step of forward() as a comment.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import textwrap

import torch

from dlcore import layers as custom_layers
from dlcore.optim import INITIALISERS, init_targets, initial_bias
from dlcore.plan import Node, Plan, as_spec, instantiate, resolve
from dlcore.spec import ModelSpec

INDENT = "    "
LINE_WIDTH = 110


def to_pytorch_code(spec: ModelSpec | dict, class_name: str | None = None) -> str:
    """Python source of an nn.Module equivalent to `build_model(spec)` (same names, shapes and weights).

    `class_name` defaults to the spec's name in CamelCase, or "Net". Raises SpecError for an invalid spec.
    Text from the spec (its name and description) only ever lands inside docstrings, escaped.
    """
    plan = resolve(as_spec(spec))
    writer = _Writer(plan, class_name or _camel(plan.spec.name) or "Net")
    return writer.source()


def _camel(text: str) -> str:
    """ "my model" -> "MyModel"; "" when the result cannot name a class in the exported file: not an
    identifier ("2d"), a keyword ("none" -> None), a builtin, or a name the file already uses (torch, nn,
    the PositionalEncoding helper class)."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in text).split()
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name.isidentifier() or keyword.iskeyword(name) or hasattr(builtins, name):
        return ""
    if hasattr(custom_layers, name):
        return ""
    return name


def _escaped(line: str) -> str:
    """`line` as it may stand inside a triple-quoted string: no quote, backslash or control character
    of it can end the string or break the file (spec text is data, never code)."""
    line = line.replace("\\", "\\\\").replace('"', '\\"')
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in line)


def _shape(shape: tuple[int, ...]) -> str:
    return "(B, " + ", ".join(str(s) for s in shape) + ")"


def _arguments(ctor) -> str:
    return ", ".join([repr(a) for a in ctor.args] + [f"{k}={v!r}" for k, v in ctor.kwargs.items()])


def layer_code(node: Node) -> str:
    """The PyTorch that one layer stands for: its constructor (`nn.Conv2d(1, 8, kernel_size=3)`), the
    forward() line of a layer with nothing to learn (`x.reshape(...)`), or "" for a block."""
    if node.type.block:
        return ""
    if node.type.inline:
        return "; ".join(line.split("  # ")[0] for line in node.type.forward_code(node.args))
    return f"{node.ctor.cls}({_arguments(node.ctor)})"


def _assign(target: str, ctor, comment: str = "") -> list[str]:
    """`target = nn.X(args)`, split over lines when it would run past LINE_WIDTH."""
    args = _arguments(ctor)
    call = f"{target} = {ctor.cls}({args})"
    above = [f"# {comment}"] if comment else []
    if comment and len(INDENT * 2 + call + comment) + 4 <= LINE_WIDTH:
        return [f"{call}  # {comment}"]
    if len(INDENT * 2 + call) <= LINE_WIDTH:
        return above + [call]
    return above + [f"{target} = {ctor.cls}(", f"{INDENT}{args}", ")"]


def _start(node: Node) -> list[str]:
    """The layer's own start lines after it is made (a gated layer's keeping gate), if any."""
    if node.type.start_code is None:
        return []
    return [line.replace("{name}", node.local_name) for line in node.type.start_code(node.args)]


def _freeze(node: Node, target: str) -> list[str]:
    """The line that freezes a layer the spec marks not trainable (none for a layer without weights)."""
    if node.trainable or not node.params:
        return []
    return [f"{target}.requires_grad_(False)  # frozen: training leaves these weights as they are"]


def _docstring(text: str, indent: str) -> list[str]:
    lines = [_escaped(line) for line in textwrap.wrap(text, LINE_WIDTH - len(indent) - 6)] or [""]
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}', *(indent + line for line in lines[1:]), f'{indent}"""']


class _Writer:
    def __init__(self, plan: Plan, class_name: str):
        self.plan = plan
        self.class_name = class_name
        self.classes: list[str] = []  # block classes, defined before they are used
        self.used_names = {class_name}  # the model's class takes its name first; blocks avoid it
        self.helpers: list[type] = []  # classes from dlcore.layers the code needs (e.g. PositionalEncoding)

    def source(self) -> str:
        spec = self.plan.spec
        top = self._class(self.class_name, self.plan.nodes, spec.input_shape, doc=self._model_doc())
        helpers = [inspect.getsource(cls) for cls in self.helpers]
        parts = [self._header(), *helpers, *self.classes, top, self._usage()]
        return "\n\n".join(part.rstrip() + "\n" for part in parts)

    def _header(self) -> str:
        spec = self.plan.spec
        title = f"{spec.name or 'Model'}: a PyTorch model exported from DL Playground."
        title_lines = [_escaped(line) for line in textwrap.wrap(title, LINE_WIDTH - 6)]
        lines = [
            f'"""{title_lines[0]}',
            *title_lines[1:],
            "",
            f"Input {_shape(spec.input_shape)}"
            + (" of token ids (int64)" if self.plan.takes_tokens else "")
            + f" -> output {_shape(self.plan.output_shape)}, "
            f"{self._parameter_counts()}.",
            '"""',
            "",
            "import torch",
            "from torch import nn",
        ]
        return "\n".join(lines)

    def _parameter_counts(self) -> str:
        total, frozen = sum(n.params for n in self.plan.nodes), self.plan.frozen_params
        if not frozen:
            return f"{total:,} trainable parameters"
        return f"{total - frozen:,} trainable parameters and {frozen:,} frozen ones"

    def _model_doc(self) -> str:
        return self.plan.spec.description or "The whole model, layer by layer."

    def _usage(self) -> str:
        spec = self.plan.spec
        if self.plan.takes_tokens:
            vocab = self.plan.nodes[0].args["num_embeddings"]
            example = f"torch.randint(0, {vocab}, (2, {', '.join(str(s) for s in spec.input_shape)}))"
        else:
            example = f"torch.randn(2, {', '.join(str(s) for s in spec.input_shape)})"
        out = ", ".join(map(str, self.plan.output_shape))
        return "\n".join(
            [
                'if __name__ == "__main__":',
                f"{INDENT}model = {self.class_name}()",
                f"{INDENT}x = {example}",
                f"{INDENT}print(model(x).shape)  # torch.Size([2, {out}])",
            ]
        )

    def _block_class_name(self, node: Node) -> str:
        base = _camel(node.local_name) or "Block"
        name, n = base, 2
        while name in self.used_names:
            name, n = f"{base}{n}", n + 1
        self.used_names.add(name)
        return name

    def _class(
        self,
        name: str,
        nodes: list[Node],
        in_shape,
        doc: str,
        shortcut: Node | None = None,
        residual: bool = False,
    ) -> str:
        init_lines, init_weights, forward = [], [], []
        forward.append(f"def forward(self, x):  # x: {_shape(in_shape)}")
        if residual:
            forward.append(f"{INDENT}identity = x")
        for node in nodes:
            attr = f"self.{node.local_name}"
            if node.type.block:
                cls = self._block(node)
                init_lines.append(f"{attr} = {cls}()")
            elif not node.type.inline:
                init_lines += _assign(attr, node.ctor) + _freeze(node, attr) + _start(node)
                init_weights += self._init_code(node, attr)
                helper = getattr(custom_layers, node.ctor.cls, None)  # a class PyTorch lacks: copy it
                if helper is not None and helper not in self.helpers:
                    self.helpers.append(helper)
            forward += [INDENT + line for line in self._forward_lines(node)]
        if residual:
            if shortcut is not None:
                init_lines += _assign("self.shortcut", shortcut.ctor, "learned projection for the skip")
                init_lines += _freeze(shortcut, "self.shortcut")
                init_weights += self._init_code(shortcut, "self.shortcut")
                forward.append(
                    f"{INDENT}return x + self.shortcut(identity)  # skip connection -> "
                    f"{_shape(nodes[-1].out_shape)}"
                )
            else:
                forward.append(f"{INDENT}return x + identity  # skip connection")
        else:
            forward.append(f"{INDENT}return x")
        body = [
            f"class {name}(nn.Module):",
            *_docstring(doc, INDENT),
            "",
            f"{INDENT}def __init__(self):",
            f"{INDENT * 2}super().__init__()",
        ]
        body += [INDENT * 2 + line for line in init_lines]
        if init_weights:
            body.append(f"{INDENT * 2}# initial weights as chosen in the spec (biases start at zero)")
            body += [INDENT * 2 + line for line in init_weights]
        body.append("")
        body += [INDENT + line for line in forward]
        return "\n".join(body)

    def _block(self, node: Node) -> str:
        cls = self._block_class_name(node)
        residual = node.type.name == "Residual"
        doc = (
            "Residual block: its layers, plus the input added back (a skip connection)."
            if residual
            else "A group of layers run in order."
        )
        self.classes.append(self._class(cls, node.children, node.in_shape, doc, node.shortcut, residual))
        return cls

    def _forward_lines(self, node: Node) -> list[str]:
        if node.type.forward_code is None:
            lines = ["x = self.{name}(x)"]
        else:
            lines = list(node.type.forward_code(node.args))
        lines = [line.replace("{name}", node.local_name) for line in lines]
        shape = _shape(node.out_shape)
        lines[-1] += f" -> {shape}" if "  # " in lines[-1] else f"  # {shape}"
        return lines

    def _init_code(self, node: Node, attr: str) -> list[str]:
        template = INITIALISERS.get(node.init).extra["code"]
        if not template:
            return []
        with torch.device("meta"):
            module = instantiate(node.ctor)
        bias = initial_bias(node.init)
        lines = []
        for pname, is_weight in init_targets(module):
            target = f"{attr}.{pname}"
            if is_weight:
                lines.append(template.format(weight=target, std=node.init_std))
            elif bias:
                lines.append(f"nn.init.constant_({target}, {bias:g})")
            elif bias == 0:
                lines.append(f"nn.init.zeros_({target})")
        return lines
