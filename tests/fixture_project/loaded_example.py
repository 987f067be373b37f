print("loaded file, version 1")
