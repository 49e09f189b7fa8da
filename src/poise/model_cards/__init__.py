"""The admin Models page: every shipped model's card in one place.

It composes areas (the signals' models, the manual's encoder and its re-embedding job,
training's reply-feedback heads), so it lives above them, wired in by the face (DESIGN.md).
"""
