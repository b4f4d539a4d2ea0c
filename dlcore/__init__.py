"""dlcore: the DL Playground engine. Architectures as data, datasets, live training, inspection.

No Streamlit in here: everything the app shows can be computed from a notebook or the command line.
"""

from dlcore.errors import DataError, DeployError, DlcoreError, SpecError, TrainError
from dlcore.params import Param

# --- architectures (spec, catalogue, builder, code export, optim catalogues) ---
from dlcore.build import build_model, example_input
from dlcore.catalogue import LayerType, layer_catalogue
from dlcore.codegen import to_pytorch_code
from dlcore.tasks import TASKS, Task, better_loss, check_compatibility, suited_losses
from dlcore.optim import (
    INITIALISERS,
    LOSSES,
    OPTIMIZERS,
    REGULARISERS,
    SCHEDULES,
    make_loss,
    make_optimizer,
    make_scheduler,
)
from dlcore.plan import output_shape, validate
from dlcore.presets import Preset, preset_catalogue, presets, team_specs
from dlcore.spec import INPUT_SHAPE_PARAM, TRAINABLE_PARAM, LayerSpec, ModelSpec
from dlcore.summary import summarize

# --- datasets ---
from dlcore import data as data  # dlcore.data.load, names, options, preview, from_csv, ...

# --- training ---
from dlcore.checkpoint import checkpoint_bytes, load_checkpoint, save_checkpoint
from dlcore.device import device_info
from dlcore.jobs import Job, JobPool, job_pool, loaded_job, start_training
from dlcore.jobs import RayJob, ray_address, use_ray  # jobs on a Ray cluster (the optional 'ray' extra)
from dlcore.jobs import start_ahead as start_ray_ahead
from dlcore.training import RECIPES, RecipeSpec, TrainConfig, fit
from dlcore.training.recipe import recipe_for
from dlcore.transfer import WeightTransfer, load_matching_weights
from dlcore.training import link as train_link  # the Train page's setup <-> its link (TrainState)
from dlcore.samples import live_view  # what a run makes now: samples drawn as the data looks, answers

# --- figures ---
from dlcore import plots as plots  # every figure: plots.loss_curve, plots.attribution_grid, ...

# --- inspection and explanation ---
from dlcore.adversarial import (
    ATTACKS,
    AttackError,
    InputSpace,
    accuracy_under_attack,
    attack,
    robustness_summary,
)
from dlcore import attributions as attributions  # the Explain page's numbers: maps side by side, sanity check
from dlcore.drawing import drawing_to_image
from dlcore.explain import METHODS as EXPLAIN_METHODS
from dlcore.explain import ExplainError, attribution_mass, conv_layer_names, explain, randomisation_check
from dlcore.inspect import (
    ParameterHistory,
    accuracy,
    attention_maps,
    cell_examples,
    confusion,
    decode_image,
    dense_activations,
    feature_maps,
    first_layer_filters,
    is_dark_on_light,
    misclassified,
    most_confused,
    predict,
    to_input_image,
)

# --- deployment: export, quantisation, pruning ---
from dlcore.deploy import (
    QUANTIZATIONS,
    Export,
    deploy_report,
    export_onnx,
    export_torchscript,
    prune,
    pruning_curve,
    quantize,
)

# --- how networks learn, up close ---
from dlcore.learning import landscape as landscape  # the loss landscape: problem_of, loss_line, loss_slice

# --- 2-D playground ---
from dlcore import links as links  # JSON data in a URL: inline when short, else a short id kept on the server
from dlcore import lessons as lessons  # guided experiments as data: course(), lesson_link, check_claim, ...
from dlcore import playground as playground  # the playground's state <-> URL, spec, config, neuron maps

# --- the Learning page: backprop step by step, optimizer races, the learning-rate finder ---
from dlcore import learning as learning
from dlcore import sequences as sequences  # the Sequences page: its tabs' states and views

# --- the Generative page: autoencoders, VAEs, GANs and diffusion on 2-D points and images ---
from dlcore import generative as generative

# --- kept runs: every training recorded in a database (SQLite, or $DLP_DATABASE_URL) ---
from dlcore import runs as runs  # runs.set_who, runs.recording_problem, runs.data_dir, ...
from dlcore.errors import RunError
from dlcore.runs import RunRecord, run_store
from dlcore.runs import export as run_exports  # a kept run as a TensorBoard log or a notebook
from dlcore.runs import search as search  # hyper-parameter searches: start_search, SearchPlan, Range, ...

# --- the classroom: classes, challenges scored on hidden examples, leaderboards (same database as runs) ---
from dlcore import classroom as classroom  # classroom.TEACHER, StudentRecord, ChallengeRecord, ...
from dlcore.classroom import ClassroomError, TooManyAttempts, classroom_service
from dlcore import classroom_view as classroom_view  # the Classroom page's state <-> its link

# What pages, ui, notebooks and the command line may use (tests/test_layering.py holds ui/ and pages/ to it).
__all__ = [
    "DataError",
    "DeployError",
    "DlcoreError",
    "SpecError",
    "TrainError",
    "Param",
    "build_model",
    "example_input",
    "LayerType",
    "layer_catalogue",
    "to_pytorch_code",
    "TASKS",
    "Task",
    "better_loss",
    "check_compatibility",
    "suited_losses",
    "INITIALISERS",
    "LOSSES",
    "OPTIMIZERS",
    "REGULARISERS",
    "SCHEDULES",
    "make_loss",
    "make_optimizer",
    "make_scheduler",
    "output_shape",
    "validate",
    "Preset",
    "preset_catalogue",
    "presets",
    "team_specs",
    "INPUT_SHAPE_PARAM",
    "TRAINABLE_PARAM",
    "LayerSpec",
    "ModelSpec",
    "summarize",
    "data",
    "checkpoint_bytes",
    "load_checkpoint",
    "save_checkpoint",
    "device_info",
    "Job",
    "JobPool",
    "job_pool",
    "loaded_job",
    "RayJob",
    "ray_address",
    "start_ray_ahead",
    "use_ray",
    "start_training",
    "RECIPES",
    "recipe_for",
    "WeightTransfer",
    "load_matching_weights",
    "train_link",
    "live_view",
    "RecipeSpec",
    "TrainConfig",
    "fit",
    "plots",
    "ATTACKS",
    "AttackError",
    "InputSpace",
    "accuracy_under_attack",
    "attack",
    "robustness_summary",
    "attributions",
    "drawing_to_image",
    "EXPLAIN_METHODS",
    "ExplainError",
    "attribution_mass",
    "conv_layer_names",
    "explain",
    "randomisation_check",
    "ParameterHistory",
    "accuracy",
    "attention_maps",
    "cell_examples",
    "confusion",
    "decode_image",
    "dense_activations",
    "feature_maps",
    "first_layer_filters",
    "is_dark_on_light",
    "misclassified",
    "most_confused",
    "predict",
    "to_input_image",
    "QUANTIZATIONS",
    "Export",
    "deploy_report",
    "export_onnx",
    "export_torchscript",
    "prune",
    "pruning_curve",
    "quantize",
    "landscape",
    "links",
    "lessons",
    "playground",
    "learning",
    "generative",
    "sequences",
    "runs",
    "RunError",
    "RunRecord",
    "run_store",
    "run_exports",
    "search",
    "classroom",
    "ClassroomError",
    "TooManyAttempts",
    "classroom_service",
    "classroom_view",
]
