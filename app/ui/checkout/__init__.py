"""The checkout screen: basket, customer, points, coupon, gift and payment."""
