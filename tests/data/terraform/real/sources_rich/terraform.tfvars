isolate = true
