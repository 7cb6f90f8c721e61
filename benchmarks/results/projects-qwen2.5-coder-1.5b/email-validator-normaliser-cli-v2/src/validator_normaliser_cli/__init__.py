"""an email validation library: a validator, a normaliser and a small CLI"""
