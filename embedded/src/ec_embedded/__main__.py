from ec_embedded.app import DEFAULT_PORT, create_app
from ec_platform.serve import serve

if __name__ == "__main__":
    serve(create_app, name="embedded", default_port=DEFAULT_PORT, told_address=True)
