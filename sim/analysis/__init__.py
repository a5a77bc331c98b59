"""What is made of runs: summaries and quantiles, figures, the 2023-24 record and the model's
comparison with it (patterns, calibration), sensitivity analysis and scenario discovery."""
