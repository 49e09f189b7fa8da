"""Reflections: after a hard conversation an agent writes why it went badly; Poise rates the
explanation on the three explanatory-style dimensions, shows the evidence and coaches a
reframe. A reflection is private to its author: nobody else, not even a lead, can see it."""
