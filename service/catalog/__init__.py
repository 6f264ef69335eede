"""The control catalog: frameworks, control libraries and questionnaires as versioned data."""
