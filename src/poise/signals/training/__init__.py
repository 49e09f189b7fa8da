"""Training-time code: data loading, model fitting, export. Never imported when serving."""
