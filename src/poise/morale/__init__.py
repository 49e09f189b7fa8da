"""Morale: the private Happy File, peer reviews, monthly kudos rounds and the public wall.

Negativity is what Poise measures everywhere else; this area is where it is balanced out.
"""
