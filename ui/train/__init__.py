"""The Train page's parts, one job per module: the page's state (state), the dataset (dataset), the
settings (settings), the recipe and its team of models (recipe, recipe_form), what a preset sets here
(presets), the check before Start (preflight), the run bar (run), the live view (live), the test results
(results), and the files that leave and enter the page (files)."""
