"""Exported code, checked against its oracle: build_model(spec) with the same weights."""

import ast

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlcore
from tests.spec_strategies import _all_layers, valid_specs

PRESETS = dlcore.presets()


def exported_model(spec, class_name="Net"):
    """Execute the exported source on its own (fresh namespace) and instantiate its model class."""
    code = dlcore.to_pytorch_code(spec, class_name=class_name)
    namespace = {"__name__": "exported"}
    exec(compile(code, "<exported>", "exec"), namespace)
    return namespace[class_name](), code


def assert_equivalent(spec, batch_size=3):
    torch.manual_seed(0)
    built = dlcore.build_model(spec)
    exported, code = exported_model(spec)
    count = sum(p.numel() for p in built.parameters())
    assert sum(p.numel() for p in exported.parameters()) == count
    exported.load_state_dict(built.state_dict(), strict=True)
    frozen = [name for name, p in built.named_parameters() if not p.requires_grad]
    assert [name for name, p in exported.named_parameters() if not p.requires_grad] == frozen, code
    built.eval(), exported.eval()
    x = dlcore.example_input(spec, batch_size)
    with torch.no_grad():
        expected, got = built(x), exported(x)
    assert got.shape == (batch_size, *dlcore.output_shape(spec))
    assert torch.allclose(got, expected, atol=1e-5), code
    return code


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_exports_to_an_equivalent_module(name):
    code = assert_equivalent(PRESETS[name])
    assert max(len(line) for line in code.splitlines()) <= 110  # long calls and docstrings are wrapped


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(valid_specs())
def test_random_specs_export_to_equivalent_modules(spec):
    assert_equivalent(spec, batch_size=2)


def test_exported_code_imports_only_torch_and_names_layers_like_build_model():
    spec = PRESETS["small_resnet"]
    code = dlcore.to_pytorch_code(spec)
    tree = ast.parse(code)
    imports = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imports |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imports == {"torch"}
    assert "self.residual1 = Residual1()" in code
    assert "self.shortcut = nn.Conv2d(16, 32, kernel_size=1, stride=2, bias=False)" in code
    assert "x = self.adaptiveavgpool2d1(x)  # (B, 32, 1, 1)" in code
    exported, _ = exported_model(spec)
    assert set(exported.state_dict()) == set(dlcore.build_model(spec).state_dict())


def test_exported_code_reads_like_hand_written_pytorch():
    code = dlcore.to_pytorch_code(
        {
            "name": "seq model",
            "input_shape": [10, 3],
            "layers": [
                {"type": "LSTM", "hidden_size": 8, "bidirectional": True, "return_sequence": True},
                {"type": "MultiheadSelfAttention", "num_heads": 2},
                {"type": "Flatten"},
                {"type": "Reshape", "shape": [10, 16]},
                {"type": "GRU", "hidden_size": 4},
            ],
        }
    )
    assert "class SeqModel(nn.Module):" in code
    assert "nn.LSTM(3, 8, bidirectional=True, batch_first=True)" in code
    assert "x, _ = self.lstm1(x)" in code
    assert "x, _ = self.multiheadselfattention1(x, x, x)" in code
    assert "x = x.reshape(x.shape[0], 10, 16)  # (B, 10, 16)" in code
    assert "x = x[:, -1]  # keep the last step -> (B, 4)" in code


def test_exported_code_repeats_the_chosen_initialisation():
    spec = {"input_shape": [4], "init": "zeros", "layers": [{"type": "Linear", "out_features": 3}]}
    exported, code = exported_model(spec)
    assert "nn.init.zeros_(self.linear1.weight)" in code
    assert torch.count_nonzero(exported.linear1.weight) == 0


def test_exported_code_starts_biases_where_the_initialiser_says():
    spec = {"input_shape": [4], "init": "tf_playground", "layers": [{"type": "Linear", "out_features": 3}]}
    exported, code = exported_model(spec)
    assert "nn.init.uniform_(self.linear1.weight, -0.5, 0.5)" in code
    assert "nn.init.constant_(self.linear1.bias, 0.1)" in code
    assert torch.all(exported.linear1.bias == 0.1)


def test_exported_code_leaves_pytorchs_biases_where_the_initialiser_keeps_them():
    spec = {"input_shape": [4], "init": "kaiming_uniform", "layers": [{"type": "Linear", "out_features": 3}]}
    code = assert_equivalent(spec)
    assert 'nn.init.kaiming_uniform_(self.linear1.weight, nonlinearity="relu")' in code
    assert "self.linear1.bias" not in code


def test_positional_encoding_class_is_included_when_used():
    code = assert_equivalent(PRESETS["transformer_encoder"])
    assert "class PositionalEncoding(nn.Module):" in code
    assert "class PositionalEncoding" not in dlcore.to_pytorch_code(PRESETS["mlp"])


@pytest.mark.parametrize("norm_first", [False, True])
def test_causal_attention_exports_with_its_mask(norm_first):
    spec = {
        "input_shape": [7],
        "layers": [
            {"type": "Embedding", "num_embeddings": 5, "embedding_dim": 8},
            {"type": "PositionalEncoding"},
            {"type": "MultiheadSelfAttention", "num_heads": 2, "causal": True},
            {
                "type": "TransformerEncoderLayer",
                "nhead": 2,
                "dim_feedforward": 16,
                "causal": True,
                "norm_first": norm_first,
                "dropout": 0.0,
            },
            {"type": "Linear", "out_features": 5},
        ],
    }
    torch.manual_seed(1)
    built = dlcore.build_model(spec)
    with torch.no_grad():
        built.positionalencoding1.embedding.normal_()  # learned positions start at zero: make them count
    exported, code = exported_model(spec)
    exported.load_state_dict(built.state_dict())
    built.eval(), exported.eval()
    x = torch.randint(0, 5, (3, 7))
    with torch.no_grad():
        assert torch.allclose(exported(x), built(x), atol=1e-5)
    assert "attn_mask=mask, is_causal=True" in code and "src_mask=mask, is_causal=True" in code
    assert "generate_square_subsequent_mask(x.shape[1], device=x.device)" in code


def test_exported_file_runs_as_a_script(tmp_path, capsys):
    code = dlcore.to_pytorch_code(PRESETS["lenet5"])
    exec(compile(code, "lenet5.py", "exec"), {"__name__": "__main__"})
    assert "torch.Size([2, 4])" in capsys.readouterr().out


# --- text and names from the spec never become code -------------------------------------------------

NAME_LIKE = st.one_of(
    st.text(max_size=120),
    st.sampled_from(["none", "None", "true", "False", "positional encoding", "net", "torch", "nn", "print"]),
    st.sampled_from(['Net"""', '"""\nimport os; os.system("touch PWNED")\n"""', "a\x00b", "x\\", "\\"]),
)
LAYER_NAMES = st.sampled_from(
    ["none", "true", "false", "net", "block", "positional_encoding", "torch", "nn", "x", "identity", "self"]
) | st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)


def exported_module_definitions(code: str) -> list[str]:
    """What the exported file does at import: its top-level statements, which must only define things."""
    tree = ast.parse(code)
    kinds = []
    for node in tree.body:
        if isinstance(node, ast.Expr):
            assert node is tree.body[0] and isinstance(node.value, ast.Constant)  # the module docstring
            kinds.append("docstring")
        elif isinstance(node, ast.If):  # the `if __name__ == "__main__":` demo, which only runs as a script
            assert ast.unparse(node.test) == "__name__ == '__main__'"
            kinds.append("main")
        else:
            assert isinstance(node, (ast.Import, ast.ImportFrom, ast.ClassDef)), ast.dump(node)
            kinds.append(type(node).__name__)
    return kinds


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(name=NAME_LIKE, description=st.text(max_size=300) | NAME_LIKE)
def test_spec_name_and_description_never_become_code(name, description):
    spec = {
        "name": name,
        "description": description,
        "input_shape": [4, 6],
        "layers": [{"type": "PositionalEncoding"}, {"type": "Sequential", "layers": [{"type": "ReLU"}]}],
    }
    try:
        code = dlcore.to_pytorch_code(spec)
    except dlcore.SpecError:
        return  # refused with a message (e.g. a line break in the name): nothing exported
    kinds = exported_module_definitions(code)
    assert kinds[:3] == ["docstring", "Import", "ImportFrom"] and kinds[-1] == "main"
    namespace = {"__name__": "exported"}
    exec(compile(code, "<exported>", "exec"), namespace)
    classes = [n.name for n in ast.parse(code).body if isinstance(n, ast.ClassDef)]
    assert set(namespace) - {"__builtins__"} == {"__name__", "__doc__", "torch", "nn", *classes}
    assert len(set(classes)) == len(classes) == 3  # the helper, the block and the model: none shadowed
    model = namespace[classes[-1]]()
    assert model.__doc__.split() == description.split() or not description.strip()


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(valid_specs(), NAME_LIKE, st.data())
def test_specs_with_any_names_export_code_that_matches_build_model(spec, name, data):
    spec = {**spec, "name": name}
    for layer in _all_layers(spec["layers"]):
        if data.draw(st.booleans()):
            layer["name"] = data.draw(LAYER_NAMES)
    try:
        dlcore.validate(spec)
    except dlcore.SpecError:
        return  # e.g. two layers given one name, or a reserved one
    code = dlcore.to_pytorch_code(spec)
    class_name = [n.name for n in ast.parse(code).body if isinstance(n, ast.ClassDef)][-1]
    torch.manual_seed(0)
    built = dlcore.build_model(spec)
    namespace = {"__name__": "exported"}
    exec(compile(code, "<exported>", "exec"), namespace)
    exported = namespace[class_name]()
    exported.load_state_dict(built.state_dict(), strict=True)
    frozen = [name for name, p in built.named_parameters() if not p.requires_grad]
    assert [name for name, p in exported.named_parameters() if not p.requires_grad] == frozen, code
    built.eval(), exported.eval()
    x = dlcore.example_input(spec, 2)
    with torch.no_grad():
        assert torch.allclose(exported(x), built(x), atol=1e-5), code


@pytest.mark.parametrize("name", ["none", "true", "False", "print", "positional encoding"])
def test_a_model_named_like_a_python_word_exports_a_class_that_works(name):
    spec = {
        "name": name,
        "input_shape": [4, 6],
        "layers": [
            {"type": "PositionalEncoding"},
            {"type": "Sequential", "name": "none", "layers": [{"type": "ReLU"}]},
        ],
    }
    code = dlcore.to_pytorch_code(spec)
    assert "class None(" not in code and "class True(" not in code
    assert code.count("class PositionalEncoding(") == 1
    namespace = {"__name__": "__main__"}
    exec(compile(code, "model.py", "exec"), namespace)  # runs its demo: builds the model, calls it


def test_the_injection_name_from_the_issue_is_refused_and_a_description_cannot_escape_its_docstring():
    evil = 'Net"""\nimport os; os.system("echo PWNED")\n"""'
    with pytest.raises(dlcore.SpecError, match="line break"):
        dlcore.to_pytorch_code({"name": evil, "input_shape": [2], "layers": [{"type": "ReLU"}]})
    code = dlcore.to_pytorch_code(
        {"description": evil + "\x00", "input_shape": [2], "layers": [{"type": "ReLU"}]}
    )
    assert "import os" not in [line.strip() for line in code.splitlines()]
    assert exported_module_definitions(code).count("ClassDef") == 1


@pytest.mark.parametrize(("layer", "field"), [("LSTM", "forget_bias"), ("GRU", "update_bias")])
@pytest.mark.parametrize("init", ["default", "xavier"])
def test_a_gated_layers_keeping_gate_starts_open_in_the_built_and_the_exported_model(layer, field, init):
    # the second block of every bias is the keeping gate (LSTM: i, f, g, o; GRU: r, z, n)
    gated = {"type": layer, "hidden_size": 4, "num_layers": 2, "bidirectional": True, field: 3.0}
    spec = {"input_shape": [5, 2], "init": init, "layers": [gated]}
    torch.manual_seed(0)
    built = dlcore.build_model(spec)[0]
    exported = exported_model(spec)[0]
    for module in (built, next(iter(exported.children()))):
        biases = {name: p for name, p in module.named_parameters() if name.startswith("bias_")}
        assert len(biases) == 8  # ih and hh, two layers, two directions
        for name, bias in biases.items():
            keeping, others = bias[4:8], torch.cat([bias[:4], bias[8:]])
            assert torch.all(keeping == (3.0 if name.startswith("bias_ih") else 0.0)), name
            assert torch.count_nonzero(others) > 0  # PyTorch's own start, which an initialiser leaves
    assert_equivalent(spec)


@pytest.mark.parametrize("init", ["default", "xavier"])
def test_an_lstms_input_gate_starts_where_input_bias_says_in_the_built_and_the_exported_model(init):
    # LSTM biases are the input, forget, cell and output gates' blocks, in that order
    gated = {"type": "LSTM", "hidden_size": 4, "num_layers": 2, "forget_bias": 3.0, "input_bias": -3.0}
    spec = {"input_shape": [5, 2], "init": init, "layers": [gated]}
    torch.manual_seed(0)
    built = dlcore.build_model(spec)[0]
    exported = exported_model(spec)[0]
    for module in (built, next(iter(exported.children()))):
        for name, bias in module.named_parameters():
            if name.startswith("bias_"):
                reading_input = name.startswith("bias_ih")
                assert torch.all(bias[:4] == (-3.0 if reading_input else 0.0)), name
                assert torch.all(bias[4:8] == (3.0 if reading_input else 0.0)), name
                assert torch.count_nonzero(bias[8:]) > 0  # the cell and output gates: PyTorch's start
    assert_equivalent(spec)
