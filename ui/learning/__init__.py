"""The Learning page: backprop one number at a time, the optimizer race, the loss landscape, the
learning-rate finder."""
