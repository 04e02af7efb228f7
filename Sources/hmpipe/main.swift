print("hmpipe")
