"""The dev IdP's views, one module per area of the Entra experience it imitates."""
