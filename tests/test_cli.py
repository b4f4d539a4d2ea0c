"""The command line: train with a progress bar and saved results, bench's JSON, export."""

import json

import pandas as pd
import pytest

import dlcore
from dlcore.__main__ import ProgressBar, main


@pytest.fixture
def spec_file(tmp_path):
    spec = dlcore.ModelSpec.from_dict(
        {
            "input_shape": [2],
            "layers": [
                {"type": "Linear", "out_features": 16},
                {"type": "Tanh"},
                {"type": "Linear", "out_features": 2},
            ],
        }
    )
    path = tmp_path / "model.json"
    path.write_text(spec.to_json())
    return path


def test_train_prints_scores_and_saves_spec_weights_metrics(spec_file, tmp_path, capsys):
    run = tmp_path / "run"
    code = main(
        [
            "train",
            "--spec",
            str(spec_file),
            "--data",
            "xor",
            "--epochs",
            "3",
            "--device",
            "cpu",
            "--lr",
            "0.05",
            "--save",
            str(run),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert "test accuracy" in out and "precision" in out and "epoch 3: train loss" in out
    assert "epoch 3/3" in err and "[" in err  # the progress bar's last state
    assert {p.name for p in run.iterdir()} == {"spec.json", "model.safetensors", "metrics.csv", "config.json"}
    metrics = pd.read_csv(run / "metrics.csv")
    assert {"step", "train_loss", "val_loss"} <= set(metrics.columns) and len(metrics) > 0
    spec, model = dlcore.load_checkpoint(run)
    assert spec == dlcore.ModelSpec.from_json(spec_file.read_text())


def test_train_resumes_from_a_saved_run(spec_file, tmp_path, capsys):
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--spec",
                str(spec_file),
                "--data",
                "xor",
                "--epochs",
                "1",
                "--device",
                "cpu",
                "--save",
                str(run),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "train",
                "--spec",
                str(spec_file),
                "--data",
                "xor",
                "--epochs",
                "2",
                "--device",
                "cpu",
                "--resume",
                str(run),
            ]
        )
        == 0
    )
    assert "Finished 2 epochs" in capsys.readouterr().out


def test_bad_input_is_a_message_not_a_traceback(spec_file, tmp_path, capsys):
    assert main(["train", "--spec", str(spec_file), "--data", "spirall", "--device", "cpu"]) == 2
    assert "did you mean 'spiral'" in capsys.readouterr().err
    assert main(["train", "--spec", str(tmp_path / "missing.json"), "--data", "xor"]) == 2
    assert "cannot read the spec file" in capsys.readouterr().err
    assert main(["train", "--spec", str(spec_file), "--data", "xor", "--lr", "-1", "--device", "cpu"]) == 2
    assert "lr" in capsys.readouterr().err


def test_bench_times_a_recipe_whose_model_is_not_a_plain_model(capsys):
    assert main(["bench", "--json", "--device", "cpu", "--seconds", "0.3", "--workload", "diffusion2d"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (
        row["workload"] == "diffusion2d" and row["engine_steps_per_s"] > 0 and row["baseline_steps_per_s"] > 0
    )


def test_bench_json_has_the_documented_keys(capsys):
    assert main(["bench", "--json", "--device", "cpu", "--seconds", "0.3", "--workload", "mlp2d"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert set(row) == {
        "workload",
        "device",
        "engine_steps_per_s",
        "baseline",
        "baseline_steps_per_s",
        "ratio",
    }
    assert row["workload"] == "mlp2d" and row["baseline"] == "fast" and row["device"].startswith("cpu")
    assert row["engine_steps_per_s"] > 0 and row["ratio"] == pytest.approx(
        row["engine_steps_per_s"] / row["baseline_steps_per_s"], rel=0.01
    )


def test_export_prints_pytorch_code(spec_file, capsys):
    assert main(["export", "--spec", str(spec_file)]) == 0
    assert "nn.Linear" in capsys.readouterr().out


def test_progress_bar_draws_fraction_epoch_and_loss():
    class Stream:
        text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

        def isatty(self):
            return False

    stream = Stream()
    bar = ProgressBar(stream, width=10)
    bar.draw({"fraction": 0.5, "epochs": 4, "epoch": 2, "step": 10, "eta_s": 3.0}, 0.25)
    bar.close()
    assert stream.text == "[#####.....]  50% epoch 2/4 step 10 loss 0.25 eta 3s\n"


def test_export_of_a_model_named_none_writes_code_that_runs(tmp_path):
    path, out = tmp_path / "none.json", tmp_path / "model.py"
    path.write_text(json.dumps({"name": "none", "input_shape": [2], "layers": [{"type": "ReLU"}]}))
    assert main(["export", "--spec", str(path), "-o", str(out)]) == 0
    exec(compile(out.read_text(), str(out), "exec"), {"__name__": "__main__"})


@pytest.mark.parametrize("content", [b"\xe9\xe9", b"[" * 3000 + b"]" * 3000, b'{"input_shape": [2]'])
def test_export_of_a_file_that_is_not_a_spec_exits_non_zero_with_a_sentence(tmp_path, capsys, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["export", "--spec", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: this is not") and "Traceback" not in err


def gan_recipe_file(tmp_path, **changes):
    """The GAN presets' pair as a recipe spec file, as RecipeSpec.to_dict writes it."""
    from dlcore.training.recipe import RecipeSpec

    team = dlcore.team_specs(dlcore.preset_catalogue()["gan_generator"])
    data = {**RecipeSpec("gan", team, {"d_steps": 2}).to_dict(), **changes}
    path = tmp_path / "gan.json"
    path.write_text(json.dumps(data))
    return path


def test_train_takes_a_recipe_spec_and_saves_every_roles_model(tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", "--spec", str(gan_recipe_file(tmp_path)), "--data", "ring", "--epochs", "1"]
    code = main([*args, "--device", "cpu", "--save", str(run)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Training GAN generator + GAN discriminator on ring" in err and "the gan recipe" in err
    assert "generator loss" in out and "discriminator loss" in out  # each role's loss at the last epoch
    setup, models = dlcore.load_checkpoint(run)  # the recipe, its options and a model per role
    assert setup.recipe == "gan" and setup.options["d_steps"] == 2 and set(models) == set(setup.models)
    assert setup.models["generator"] == dlcore.preset_catalogue()["gan_generator"].spec
    assert {"train_generator_loss", "train_discriminator_loss"} <= set(pd.read_csv(run / "metrics.csv"))


def test_a_single_autoencoder_spec_trains_with_the_vae_recipe_cut_at_its_code_layer(tmp_path, capsys):
    path = tmp_path / "vae.json"
    path.write_text(dlcore.presets()["vae_digits"].to_json())
    code = main(
        [
            "train",
            "--spec",
            str(path),
            "--recipe",
            "vae",
            "--loss",
            "mse",
            "--data",
            "digits",
            "--epochs",
            "1",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Training Variational autoencoder on digits" in err and "reconstruction" in out and "kl" in out


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"recipe": "gam"}, "did you mean 'gan'"),
        ({"options": {"d_stepz": 2}}, "no option 'd_stepz'"),
        ({"models": {"generator": {"input_shape": [8], "layers": []}}}, "add a model for 'discriminator'"),
    ],
)
def test_a_bad_recipe_spec_is_a_message_not_a_traceback(tmp_path, capsys, changes, says):
    code = main(
        ["train", "--spec", str(gan_recipe_file(tmp_path, **changes)), "--data", "ring", "--device", "cpu"]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error:") and says in err, err


@pytest.mark.parametrize("fmt, method", [("onnx", "torch.onnx.export"), ("torchscript", "torch.jit")])
def test_export_writes_a_checked_file_of_a_trained_model(spec_file, tmp_path, capsys, fmt, method):
    run, out = tmp_path / "run", tmp_path / f"model.{fmt}"
    train = ["train", "--spec", str(spec_file), "--data", "xor", "--epochs", "1", "--device", "cpu"]
    assert main([*train, "--save", str(run)]) == 0
    capsys.readouterr()
    assert main(["export", "--checkpoint", str(run), "--format", fmt, "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert method in printed and "largest difference from PyTorch" in printed
    assert float(printed.rsplit(" ", 1)[1]) <= 1e-4 and out.stat().st_size > 0


def test_export_of_a_recipe_checkpoint_exits_non_zero_with_a_sentence(tmp_path, capsys):
    from dlcore.training.recipe import RecipeSpec

    team = dlcore.team_specs(dlcore.preset_catalogue()["gan_generator"])
    run = tmp_path / "gan"
    models = {role: dlcore.build_model(spec) for role, spec in team.items()}
    dlcore.save_checkpoint(run, RecipeSpec("gan", team, {}), models)
    assert main(["export", "--checkpoint", str(run), "--format", "onnx"]) == 2
    assert "export needs one model" in capsys.readouterr().err
