"""Satu Data: one data platform for Indonesian regencies and their villages."""
