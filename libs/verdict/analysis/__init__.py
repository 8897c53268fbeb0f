"""The analysis pipeline: inputs -> signed groups -> one classification per group -> result."""
