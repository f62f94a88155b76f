# The LAN with 5% of the packets lost in each direction (about 10% of the exchanges).
id LOSS
describe 100 us + Exp(100 us), 5% loss
duration 600 240
settle 25%
runs 3
poll 0 0
clock 0.001 20 0.001
up exp 100e-6 100e-6
down exp 100e-6 100e-6
loss 0.05 0.05
