"""The web shell: layout, static files, dependencies, CSRF, charts. It imports no area."""
