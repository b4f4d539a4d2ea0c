"""Deploy a trained model: export it (ONNX, TorchScript), make it smaller (quantisation, pruning) and
measure what that costs (size, CPU latency, test accuracy). PyTorch's and ONNX's own tools, checked on the
spot: every export is run back and compared with PyTorch's outputs.
"""

from dlcore.deploy.export import Export, export_onnx, export_torchscript
from dlcore.deploy.prune import prune
from dlcore.deploy.quantize import QUANTIZATIONS, quantize
from dlcore.deploy.report import deploy_report, pruning_curve

__all__ = [
    "Export",
    "export_onnx",
    "export_torchscript",
    "QUANTIZATIONS",
    "quantize",
    "prune",
    "deploy_report",
    "pruning_curve",
]
