"""The Learning page: backprop one number at a time, the optimizer race, the learning-rate finder."""
