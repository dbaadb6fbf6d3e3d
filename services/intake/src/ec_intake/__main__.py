from ec_intake.app import create_app
from ec_intake.settings import DEFAULT_PORT
from ec_platform.serve import serve

if __name__ == "__main__":
    serve(create_app, name="intake", default_port=DEFAULT_PORT)
