"""Looking inside this tab's trained model, for the Inspect, Explain and Adversarial pages.

- `subject`: the snapshot of the model these pages look at (or the quick model when there is none);
- `input`: picking the one input they look at (test set, misclassified, drawn, uploaded);
- `layers`, `history`, `confusion`: Inspect's three views (one input layer by layer, weights and
  gradients over training, the confusion matrix and its examples).
"""
