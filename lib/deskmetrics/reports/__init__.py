"""Running the notebooks: papermill executions, HTML output and the Voilà server."""
