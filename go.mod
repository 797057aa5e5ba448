module github.com/govsag/vsag

go 1.24
