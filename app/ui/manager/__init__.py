"""The manager screen (issue 5): reports, the program editor, coupons and administration.

Opened from the checkout window's Manager menu behind a manager PIN (`install.install_manager`).
Every database call runs on a Worker; the widgets hold only the services' frozen results.
"""
