package matchers_test

import "time"

const millisecond = time.Millisecond
