# The simulator's DEF regime on a real network: both daemons' default polling (iburst, no minpoll/maxpoll), the
# oscillator 0.1 s and 100 ppm off with a frequency random walk of 1 ppb per sqrt(s) (SCENARIOS.md's W = 1e-9),
# 100 us + Exp(100 us) each way. 4 hours per run (1 hour with --short).
id DEFAULT
describe 100 us + Exp(100 us), wander 1 ppb/sqrt(s)
duration 14400 3600
settle 20%
runs 2
poll default
clock 0.1 100 0.001
up exp 100e-6 100e-6
down exp 100e-6 100e-6
