"""Figures: pure functions, data in -> Plotly figure out. One module per family of figures:

    style        the look every figure shares, and the limits that keep live charts light
    curves       live training curves: loss, accuracy, accuracy under attack, gradient norms
    results      a trained model on the test set: confusion matrix, predictions, reconstructions
    network      the Build page's diagram of the network
    images       images and grids of small tiles (shared by inspect, explain, adversarial)
    inspect      inside a model for one input: feature maps, filters, attention, activations
    history      weights and gradients over training
    explain      attributions and their sanity check
    adversarial  adversarial examples and accuracy under attack
    playground   the 2-D playground: neurons, decision boundary, its small charts
    generative   the Generative page's autoencoder views: the latent space, a decoded latent grid
    samples      generative training: losses by role, what the model makes now
    diffusion    diffusion: noise schedules, the forward process, denoising arrows, noise to data, quality
    gan          a GAN on 2-D data: the discriminator's verdict, the generator's push, its folded grid
    data         a dataset's preview
    deploy       a model's deployable variants side by side, accuracy against sparsity
    learning     the Learning page: backprop's numbers on a network, the optimizer race, LR finder, schedules
    landscape    the loss landscape: the line from the first weights to now, a 2-D slice
    attention    the Sequences page's attention maps per layer and head, positional codes, next tokens
    state_space  the state-space tab: each channel's memory half-life, its impulse response
    runs         kept runs side by side: one metric's curves of several runs
    search       a hyper-parameter search: best so far, trials across the settings, what mattered

    from dlcore import plots
    plots.loss_curve(metrics, epochs)

Every figure builder pages and ui draw is listed here; a module's helpers and constants stay in it.
"""

from dlcore.plots.adversarial import adversarial_figure, robustness_curve
from dlcore.plots.attention import attention_layers, next_token_bars, positional_codes
from dlcore.plots.curves import accuracy_curve, grad_norm_chart, loss_curve, robust_accuracy_curve
from dlcore.plots.data import dataset_preview
from dlcore.plots.deploy import accuracy_against_sparsity, deploy_comparison
from dlcore.plots.diffusion import (
    denoising_arrows,
    forward_points,
    image_strip,
    noise_schedule,
    quality_curve,
    reverse_points,
)
from dlcore.plots.explain import attribution_grid, feature_attribution_bars, randomisation_figure
from dlcore.plots.gan import gan_manifold, gan_plane
from dlcore.plots.generative import latent_grid_points, latent_scatter, reconstructed_points
from dlcore.plots.history import dead_units_chart, distribution_over_time, histogram_over_time
from dlcore.plots.images import image_figure
from dlcore.plots.inspect import (
    activation_bars,
    attention_grid,
    clickable_confusion,
    example_strip,
    feature_map_grid,
    filter_grid,
    input_figure,
    probability_bars,
)
from dlcore.plots.landscape import loss_contour, loss_line_figure, loss_surface
from dlcore.plots.learning import backprop_figure, lr_finder_figure, race_figure, schedule_figure
from dlcore.plots.network import network_diagram
from dlcore.plots.playground import (
    NetworkPicture,
    boundary_figure,
    dataset_thumbnail,
    grad_norm_figure,
    loss_figure,
    network_figure,
)
from dlcore.plots.results import confusion_matrix, predictions_vs_targets, reconstructions
from dlcore.plots.runs import runs_overlay
from dlcore.plots.samples import (
    logged_losses,
    role_losses,
    sample_figure,
    sample_images,
    sample_points,
    written_answers,
)
from dlcore.plots.search import best_so_far, importance_bars, parallel_coordinates
from dlcore.plots.sequences import (
    accuracy_against_delay,
    gates_heatmaps,
    hidden_heatmap,
    projection_figure,
    race_losses,
    step_gradients,
)
from dlcore.plots.state_space import half_life_bars, impulse_response_heatmap

__all__ = [
    "NetworkPicture",
    "accuracy_against_sparsity",
    "accuracy_curve",
    "activation_bars",
    "adversarial_figure",
    "attention_grid",
    "attention_layers",
    "attribution_grid",
    "backprop_figure",
    "best_so_far",
    "boundary_figure",
    "clickable_confusion",
    "confusion_matrix",
    "dataset_preview",
    "dataset_thumbnail",
    "dead_units_chart",
    "denoising_arrows",
    "deploy_comparison",
    "distribution_over_time",
    "example_strip",
    "gan_manifold",
    "gan_plane",
    "feature_attribution_bars",
    "feature_map_grid",
    "filter_grid",
    "forward_points",
    "grad_norm_chart",
    "grad_norm_figure",
    "histogram_over_time",
    "image_figure",
    "image_strip",
    "importance_bars",
    "input_figure",
    "logged_losses",
    "latent_grid_points",
    "latent_scatter",
    "loss_contour",
    "loss_curve",
    "loss_figure",
    "lr_finder_figure",
    "loss_line_figure",
    "loss_surface",
    "network_diagram",
    "network_figure",
    "next_token_bars",
    "positional_codes",
    "noise_schedule",
    "parallel_coordinates",
    "predictions_vs_targets",
    "reconstructed_points",
    "probability_bars",
    "quality_curve",
    "race_figure",
    "randomisation_figure",
    "reconstructions",
    "reverse_points",
    "robust_accuracy_curve",
    "robustness_curve",
    "role_losses",
    "runs_overlay",
    "sample_figure",
    "sample_images",
    "sample_points",
    "schedule_figure",
    "written_answers",
    "hidden_heatmap",
    "gates_heatmaps",
    "step_gradients",
    "race_losses",
    "projection_figure",
    "accuracy_against_delay",
    "half_life_bars",
    "impulse_response_heatmap",
]
