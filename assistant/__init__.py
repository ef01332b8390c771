"""Assistant de mutualisation: does an asset already exist for my need?"""
