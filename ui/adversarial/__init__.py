"""The Adversarial page: fooling one input (`attack`), accuracy as the attack grows (`curve`), and
adversarial training of a robust copy of the model (`robust`)."""

YOURS, ROBUST = "your model", "adversarially trained copy"  # the models the page attacks, as it names them
