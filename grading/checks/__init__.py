"""Rubric items (facts -> credit and an explanation) and scoring a
student's runs through them."""
