"""The full-screen wizard: a Textual app over the engine in `wizard/`.

Screens fill the Answers model and render engine events; planning and installing stay in the
engine, so the wizard and `--answers FILE` cannot drift apart. Start it with `screens.app.run_app`.
"""
