"""A seed tutorial's Fashion-MNIST classifier (lecture "Artificial Neural Networks with
Keras-TensorFlow"), cell by cell, with one change: densekit where the tutorial imports
TensorFlow's Keras. Run it as a Keras user would:

    python examples/fashion_mnist_tutorial.py

The first run downloads Fashion-MNIST into Keras's cache (~/.keras/datasets/fashion-mnist/);
a file Keras downloaded before is reused. The last cell draws the network into model.png
(graphviz if installed, else matplotlib: pip install "densekit[plot]").
"""

import numpy as np

import densekit as tf  # the tutorial: import tensorflow as tf
from densekit.layers import Dense, Input  # the tutorial: from tensorflow.keras.layers import ...
from densekit.models import Model  # the tutorial: from tensorflow.keras.models import Model

# Load the Fashion MNIST dataset
fashion_mnist = tf.datasets.fashion_mnist  # the tutorial: tf.keras.datasets.fashion_mnist
(fashion_train, fashion_train_label), (fashion_test, fashion_test_label) = fashion_mnist.load_data()

print('Training data inputs', fashion_train.shape)
print('Training labels', fashion_train_label.shape)
print('Testing data inputs', fashion_test.shape)
print('Testing labels', fashion_test_label.shape)

# A list of label names
class_names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
               'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
image_label = fashion_train_label[0]
print('This type of image is: {}({})'.format(class_names[image_label], image_label))

# Scaling the image pixels to be between 0 and 1
fashion_train = fashion_train/255.0
fashion_test = fashion_test/255.0
fashion_train = fashion_train.reshape(-1, 784)
fashion_test = fashion_test.reshape(-1, 784)

# Define the layers in the network
inputs = Input(shape=(784,))
dense1 = Dense(64, activation='relu')(inputs)
dense2 = Dense(32, activation='relu')(dense1)
outputs = Dense(10, activation='softmax')(dense2)
fashion_classifier = Model(inputs, outputs)

# Compile the model
fashion_classifier.compile(optimizer='adam',
                           loss='sparse_categorical_crossentropy',
                           metrics=['accuracy'])
history = fashion_classifier.fit(fashion_train, fashion_train_label, epochs=10, batch_size=32)

# Evaluate on test dataset
evals_test = fashion_classifier.evaluate(fashion_test, fashion_test_label)
print("Classification Accuracy: ", evals_test[1])

predictions = fashion_classifier.predict(fashion_test)
print(predictions.shape)
print(np.around(predictions[:5], 3))
print(np.argmax(predictions[:5], axis=1))
print(fashion_test_label[:5])

# The slides' last cell: the network as a picture.
tf.utils.plot_model(fashion_classifier, "model.png", show_shapes=True)
